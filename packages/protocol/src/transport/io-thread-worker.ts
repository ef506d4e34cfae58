/**
 * The I/O thread's own code (a worker_threads entry): it owns the listening socket and every
 * accepted connection, and moves their bytes to and from the event loop in batches (io-batch.ts).
 * It knows nothing of frames: accepting, reading, writing and the syscalls that go with them are
 * what it takes off the event loop.
 */
import { createServer, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import * as io from './io-batch.ts';

export interface IoThreadStart {
  port: number;
  host: string;
}

/** What the I/O thread posts besides batches. */
export type IoThreadNotice = { listening: { address: string; family: string; port: number } } | { listenError: string } | { closed: true };

const port = parentPort;
if (!port) throw new Error('io-thread-worker.ts runs as a worker thread (io-thread.ts starts it)');
const start = workerData as IoThreadStart;

const sockets = new Map<number, Socket>();
const failures = new Map<number, string>();
let nextId = 1;
const out = new io.IoBatchWriter(() => setImmediate(flush));

function flush(): void {
  if (out.empty) return;
  const { batch, transfer } = out.take();
  port!.postMessage(batch, transfer);
}

const server = createServer({ allowHalfOpen: true }, (socket) => {
  const id = nextId++;
  sockets.set(id, socket);
  socket.setNoDelay(true);
  const remote = out.string(`${socket.remoteAddress ?? '0.0.0.0'}|${socket.remotePort ?? 0}`);
  const local = out.string(`${socket.localAddress ?? '0.0.0.0'}|${socket.localPort ?? 0}`);
  out.op(io.OP_OPEN, id, remote, local);
  socket.on('data', (chunk: Buffer) => out.data(id, [chunk]));
  socket.on('end', () => out.op(io.OP_END, id));
  socket.on('timeout', () => out.op(io.OP_TIMEOUT, id));
  socket.on('error', (error) => failures.set(id, error.message));
  socket.on('close', () => {
    sockets.delete(id);
    const failure = failures.get(id);
    failures.delete(id);
    out.op(io.OP_CLOSE, id, failure === undefined ? -1 : out.string(failure), failure === undefined ? 0 : 1);
  });
});

server.on('error', (error) => port.postMessage({ listenError: error.message } satisfies IoThreadNotice));
server.listen(start.port, start.host, () => {
  const address = server.address();
  if (address === null || typeof address === 'string') return;
  port.postMessage({ listening: { address: address.address, family: address.family, port: address.port } } satisfies IoThreadNotice);
});

port.on('message', (message: io.IoBatch | { shutdown: true }) => {
  if ('shutdown' in message) {
    shutdown();
    return;
  }
  apply(message);
});

function apply(batch: io.IoBatch): void {
  const { ops, data } = batch;
  for (let i = 0; i < ops.length; i += 4) {
    const op = ops[i]!;
    const id = ops[i + 1]!;
    const socket = sockets.get(id);
    if (!socket) continue;
    switch (op) {
      case io.OP_DATA: {
        const bytes = Buffer.from(data!, ops[i + 2]!, ops[i + 3]!);
        socket.write(bytes, () => out.op(io.OP_WRITTEN, id));
        break;
      }
      case io.OP_END:
        socket.end();
        break;
      case io.OP_DESTROY:
        socket.destroy();
        break;
      case io.OP_PAUSE:
        socket.pause();
        break;
      case io.OP_RESUME:
        socket.resume();
        break;
      case io.OP_SET_TIMEOUT:
        socket.setTimeout(ops[i + 2]!);
        break;
    }
  }
}

function shutdown(): void {
  for (const socket of sockets.values()) socket.destroy();
  server.close(() => {
    flush();
    port!.postMessage({ closed: true } satisfies IoThreadNotice);
    port!.close();
  });
}
