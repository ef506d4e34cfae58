/**
 * `npm run bench:handoff`: the event loop's CPU cost of handing one request to a worker thread,
 * the price any "decode on workers" design pays per message on top of the work it moves
 * (docs/performance.md, "Cores"). A 300-byte frame (a SEND_MESSAGE_V2 of 128 B is about that)
 * posted (a) copied, (b) transferred, (c) 32 frames packed in one transferred buffer.
 */
import { Worker } from 'node:worker_threads';

const worker = new Worker(
  `const { parentPort } = require('node:worker_threads');
   let n = 0;
   parentPort.on('message', (m) => { n += m.count ?? 1; if (m.done) parentPort.postMessage(n); });`,
  { eval: true },
);
const POSTS = 200_000;

async function measure(label: string, post: () => void, framesPerPost: number): Promise<void> {
  const before = process.cpuUsage();
  for (let i = 0; i < POSTS; i++) post();
  const used = process.cpuUsage(before);
  worker.postMessage({ done: true, count: 0 });
  await new Promise((resolve) => worker.once('message', resolve));
  // Process CPU while posting: the sender's, plus whatever the worker ran on another core meanwhile.
  console.log(`${label.padEnd(40)} ${((used.user + used.system) / (POSTS * framesPerPost)).toFixed(2)} µs CPU per frame`);
}

for (let round = 1; round <= 3; round++) {
  console.log(`round ${round}`);
  await measure('copied (structured clone), 300 B', () => worker.postMessage(new Uint8Array(300)), 1);
  await measure('transferred ArrayBuffer, 300 B', () => {
    const buffer = new ArrayBuffer(300);
    worker.postMessage(buffer, [buffer]);
  }, 1);
  await measure('32 × 300 B in one transferred buffer', () => {
    const buffer = new ArrayBuffer(32 * 300);
    worker.postMessage({ buffer, count: 32 }, [buffer]);
  }, 32);
}
await worker.terminate();
