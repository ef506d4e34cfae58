/**
 * Free TCP ports for servers that cannot be told to listen on port 0 (Apache RocketMQ). The OS
 * picks an ephemeral port on 127.0.0.1; a port counts as free only if it can also be bound on
 * the wildcard address, since RocketMQ 4.8 binds every server socket to 0.0.0.0 (its
 * NettyServerConfig has no bind address). There is a window between the check and the server's
 * bind: callers retry on "Address already in use".
 */
import { createServer } from 'node:net';

function listenOnce(port: number, host: string | undefined): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(null));
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

/** True when `port` can be bound on 127.0.0.1 and on the wildcard address. */
export async function isPortFree(port: number): Promise<boolean> {
  if (port < 1024 || port > 65535) return false;
  return (await listenOnce(port, '127.0.0.1')) !== null && (await listenOnce(port, '0.0.0.0')) !== null;
}

/** An OS-chosen free port. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(0, '127.0.0.1');
    if (port !== null && (await isPortFree(port))) return port;
  }
  throw new Error('no free TCP port found on 127.0.0.1 after 50 attempts');
}

/**
 * A free port `p` such that every `p + delta` for the given deltas is free too — e.g. the
 * broker's listenPort with its VIP channel (p − 2) and HA port (p + 1): `freePortWith([-2, 1])`.
 */
export async function freePortWith(deltas: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await freePort();
    let ok = true;
    for (const delta of deltas) {
      if (!(await isPortFree(port + delta))) {
        ok = false;
        break;
      }
    }
    if (ok) return port;
  }
  throw new Error(`no free TCP port p with p${deltas.map((d) => (d < 0 ? `${d}` : `+${d}`)).join(', p')} free after 100 attempts`);
}
