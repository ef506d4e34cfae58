/**
 * Throwaway certificates for TLS tests, made with the openssl command: a CA, a server
 * certificate for 127.0.0.1/localhost signed by it, a client certificate signed by it, and a
 * self-signed "stranger" the CA does not vouch for. Keys are PKCS#8, as Apache's TLS wants.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCerts {
  ca: string;
  cert: string;
  key: string;
  clientCert: string;
  clientKey: string;
  strangerCert: string;
  strangerKey: string;
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Writes the certificates and keys into `dir` and returns their paths. */
export function makeTestCerts(dir: string): TestCerts {
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const days = ['-days', '1'];
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', ...days, '-subj', '/CN=rocketmq-ts test CA');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', ...days, '-extfile', 'san.ext');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=rocketmq-ts test client');
  run('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', ...days);
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'stranger.key', '-out', 'stranger.pem', ...days, '-subj', '/CN=stranger');
  const at = (name: string): string => join(dir, name);
  return {
    ca: at('ca.pem'),
    cert: at('server.pem'),
    key: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
    strangerCert: at('stranger.pem'),
    strangerKey: at('stranger.key'),
  };
}
