/**
 * Telling TLS from plain text on one port (as Apache's HandshakeHandler): the first byte of a
 * TLS handshake record is 0x16, which starts neither a remoting frame nor an HTTP/2 preface.
 */
import type { Socket } from 'node:net';

const TLS_HANDSHAKE = 0x16;
/** A connection that sends nothing this long before its first byte is closed. */
const FIRST_BYTE_TIMEOUT_MILLIS = 30_000;

/**
 * Waits for the socket's first bytes, puts them back (unshift) and calls `decide` with whether
 * they begin a TLS handshake. The socket is left paused; `decide` resumes or hands it on.
 */
export function peekTlsHandshake(socket: Socket, decide: (isTls: boolean) => void): void {
  socket.setTimeout(FIRST_BYTE_TIMEOUT_MILLIS, () => socket.destroy());
  socket.once('error', () => socket.destroy());
  socket.once('data', (chunk: Buffer) => {
    socket.pause();
    socket.setTimeout(0);
    socket.removeAllListeners('error');
    socket.unshift(chunk);
    decide(chunk[0] === TLS_HANDSHAKE);
  });
}
