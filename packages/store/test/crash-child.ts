/**
 * Child process of crash.test.ts: opens the store in argv[2] (recovering like a broker: lock,
 * abort marker → abnormal recovery, checkpoint), prints `READY <maxOffset>`, then appends with
 * SYNC_FLUSH from many concurrent producers and prints `ACK <offset> <size> <crc32 of the
 * record bytes>` for every append acknowledged as durable — until the parent SIGKILLs it.
 * stdout is a pipe, which Node writes synchronously: a printed line was sent before the kill.
 */
import { crc32 } from 'node:zlib';
import {
  abortFileExists,
  checkpointFilePath,
  CommitLog,
  commitLogDirPath,
  createAbortFile,
  StoreCheckpoint,
  StoreLock,
} from '@rocketmq-ts/store';
import { body, message } from './fixtures/commit-log.ts';

const root = process.argv[2]!;
const round = Number(process.argv[3]);
const segmentSize = Number(process.argv[4]);

await StoreLock.acquire(root);
const abnormal = await abortFileExists(root);
const checkpoint = await StoreCheckpoint.open(checkpointFilePath(root));
const log = await CommitLog.open({
  storePathCommitLog: commitLogDirPath(root),
  mappedFileSizeCommitLog: segmentSize,
  flushDiskType: 'SYNC_FLUSH',
  abnormalRecovery: abnormal,
  checkpoint,
});
await createAbortFile(root);
// What the consume-queue flush would do: persist the dispatched store time now and then.
log.onDispatch((request) => {
  checkpoint.logicsMsgTimestamp = request.storeTimestamp;
});
setInterval(() => void checkpoint.flush(), 30);
process.stdout.write(`READY ${log.maxOffset} ${log.recovery.mode}\n`);

let sequence = 0;
async function producer(): Promise<never> {
  for (;;) {
    const n = sequence++;
    const seed = round * 1_000_000 + n;
    if (n % 10 === 0) {
      const batch = [message({ body: body(40, seed), queueId: n % 4 }), message({ body: body(300, -seed), queueId: n % 4 })];
      const result = await log.appendBatch(batch);
      if (result.status === 'PUT_OK') for (const record of result.records) await report(record.commitLogOffset, record.size);
    } else {
      const result = await log.append(message({ body: body(16 + ((n * 97) % 900), seed), queueId: n % 4 }));
      if (result.status === 'PUT_OK') await report(result.record.commitLogOffset, result.record.size);
    }
  }
}

async function report(offset: number, size: number): Promise<void> {
  const bytes = await log.read(offset, size);
  if (!bytes) throw new Error(`acknowledged record at ${offset} cannot be read`);
  process.stdout.write(`ACK ${offset} ${size} ${crc32(bytes)}\n`);
}

await Promise.all(Array.from({ length: 16 }, () => producer()));
