/**
 * Crash test: a child process appends with SYNC_FLUSH and reports every acknowledged record;
 * it is SIGKILLed at a random moment, again and again, on the same directory (every third time
 * the data after the acknowledged records is also cut, as a power loss would). After each kill
 * the test recovers the store (abnormal recovery: the abort marker is there) and checks that
 * every acknowledged record of every round is present and byte-identical, that the log scans
 * cleanly (with CRC) to its end, and that nothing lies after the end.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import {
  abortFileExists,
  checkpointFilePath,
  CommitLog,
  commitLogDirPath,
  StoreCheckpoint,
  StoreLock,
} from '@rocketmq-ts/store';
import { tempDir } from './fixtures/commit-log.ts';

const ROUNDS = 50;
const SEGMENT = 128 * 1024;
const child = new URL('./crash-child.ts', import.meta.url).pathname;

interface Ack {
  offset: number;
  size: number;
  crc: number;
}

interface Round {
  readyOffset: number;
  mode: string;
  acks: Ack[];
}

function runChild(root: string, round: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=rocketmq-ts-source', child, root, String(round), String(SEGMENT)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    let stderr = '';
    let readyOffset = -1;
    let mode = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      if (readyOffset < 0) {
        const ready = /^READY (\d+) (\w+)/m.exec(text);
        if (ready) {
          readyOffset = Number(ready[1]);
          mode = ready[2]!;
          setTimeout(() => proc.kill('SIGKILL'), 20 + Math.floor(Math.random() * 180));
        }
      }
    });
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child exited with ${code}/${signal}: ${stderr}`));
      const acks: Ack[] = [];
      for (const line of text.split('\n')) {
        const match = /^ACK (\d+) (\d+) (\d+)$/.exec(line);
        if (match) acks.push({ offset: Number(match[1]), size: Number(match[2]), crc: Number(match[3]) });
      }
      resolve({ readyOffset, mode, acks });
    });
  });
}

/**
 * What a power loss may do on top of the kill: bytes not acknowledged as durable are lost
 * from `cut` on (zeroed; most cuts fall inside a record, leaving half of it).
 */
async function loseUnflushedTail(root: string, cut: number): Promise<void> {
  for (const name of await readdir(commitLogDirPath(root))) {
    const start = Number(name);
    if (start + SEGMENT <= cut) continue;
    const from = Math.max(0, cut - start);
    const handle = await open(join(commitLogDirPath(root), name), 'r+');
    await handle.write(Buffer.alloc(SEGMENT - from), 0, SEGMENT - from, from);
    await handle.close();
  }
}

describe('crash safety', () => {
  it(`keeps every acknowledged record across ${ROUNDS} SIGKILLs`, { timeout: 120_000 }, async (t) => {
    const root = await tempDir(t, 'rmq-crash-');
    const acked: Ack[] = [];
    let highestAckedEnd = 0;
    let totalAcks = 0;
    let tornRounds = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const { readyOffset, mode, acks } = await runChild(root, round);
      assert.equal(mode, round === 0 ? 'empty' : 'abnormal');
      assert.ok(readyOffset >= highestAckedEnd, `round ${round}: the child recovered to ${readyOffset}, below acknowledged data (${highestAckedEnd})`);
      totalAcks += acks.length;

      assert.ok(await abortFileExists(root), 'the killed child left its abort marker');
      if (round % 3 === 1) {
        const ackedEnd = acks.reduce((end, ack) => Math.max(end, ack.offset + ack.size), highestAckedEnd);
        await loseUnflushedTail(root, ackedEnd + Math.floor(Math.random() * 2000));
      }
      const lock = await StoreLock.acquire(root); // the dead child's lock is stale
      const checkpoint = await StoreCheckpoint.open(checkpointFilePath(root));
      const log = await CommitLog.open({
        storePathCommitLog: commitLogDirPath(root),
        mappedFileSizeCommitLog: SEGMENT,
        abnormalRecovery: true,
        checkpoint,
      });
      try {
        assert.equal(log.recovery.mode, 'abnormal');
        if (log.recovery.droppedBytes > 0) tornRounds++;
        // This round's acknowledged records, and a sample of the older ones: present and identical.
        const sample = acked.length > 300 ? Array.from({ length: 300 }, () => acked[Math.floor(Math.random() * acked.length)]!) : acked;
        for (const ack of [...acks, ...sample]) {
          const bytes = await log.read(ack.offset, ack.size);
          assert.ok(bytes, `round ${round}: acknowledged record at ${ack.offset} (${ack.size} bytes) is missing; log ends at ${log.maxOffset}`);
          assert.equal(crc32(bytes), ack.crc, `round ${round}: acknowledged record at ${ack.offset} changed`);
          highestAckedEnd = Math.max(highestAckedEnd, ack.offset + ack.size);
        }
        acked.push(...acks);
        // The log validates (CRC) from where this round began to its end; nothing after it.
        const from = round % 10 === 9 ? log.minOffset : Math.min(readyOffset, log.maxOffset);
        const outcome = await log.scan(from, () => {}, { checkCRC: true });
        assert.equal(outcome.end, log.maxOffset);
        assert.equal(outcome.stop, 'end');
        const files = (await readdir(commitLogDirPath(root))).sort();
        const last = files.at(-1)!;
        assert.ok(Number(last) <= log.maxOffset, `segment ${last} lies after the end ${log.maxOffset}`);
        const tail = (await readFile(join(commitLogDirPath(root), last))).subarray(log.maxOffset - Number(last));
        assert.ok(tail.every((byte) => byte === 0), `round ${round}: non-zero bytes after the end`);
      } finally {
        await log.close();
        await checkpoint.close();
        await lock.release(); // the abort marker stays: the next child recovers abnormally too
      }
    }
    assert.ok(totalAcks > ROUNDS * 10, `only ${totalAcks} acknowledged records in ${ROUNDS} rounds`);
    t.diagnostic(`${totalAcks} acknowledged records over ${ROUNDS} kills; ${tornRounds} recoveries dropped a torn tail`);
  });
});
