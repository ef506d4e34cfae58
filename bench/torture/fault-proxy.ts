/**
 * A TCP proxy that injects network faults between a client and a server: delay (each chunk
 * held for a while), partition (nothing passes; connections stay open), and reset (every
 * open connection is destroyed at once). The torture run drives it while producers send.
 */
import { createServer, type Server, type Socket, connect } from 'node:net';

export type FaultMode = 'pass' | 'delay' | 'partition';

export class FaultProxy {
  mode: FaultMode = 'pass';
  delayMs = 200;
  resets = 0;
  private readonly server: Server;
  private readonly pairs = new Set<[Socket, Socket]>();

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.accept(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  /** Destroys every open connection (both sides see a reset). */
  reset(): void {
    this.resets++;
    for (const [a, b] of this.pairs) {
      a.resetAndDestroy();
      b.resetAndDestroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.reset();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const drop = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    this.pipe(client, upstream);
    this.pipe(upstream, client);
  }

  private pipe(from: Socket, to: Socket): void {
    // Order is kept: chunks go through one queue per direction.
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      chain = chain.then(async () => {
        while (this.mode === 'partition' && !to.destroyed) await sleep(50);
        if (this.mode === 'delay') await sleep(this.delayMs);
        if (!to.destroyed) to.write(chunk);
      });
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
