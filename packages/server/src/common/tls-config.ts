/**
 * TLS settings of the remoting ports (and the broker's gRPC port) with Apache's key names (TlsSystemConfig): in broker.conf /
 * namesrv.conf or as --key=value flags. Key material is PEM (the key PKCS#8, as Apache wants).
 * Apache's tls.test.mode (a self-signed certificate made at start) is not offered: without
 * certPath and keyPath, permissive serves plain only and enforcing refuses to start.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { ClientTlsOption, ServerTlsOptions, TlsServerMode } from '@rocketmq-ts/protocol';
import { bool, defaultsOf, oneOf, type SettingsValues, text } from '../config/schema.ts';

export const tlsSettings = {
  'tls.server.mode': oneOf('permissive', ['disabled', 'permissive', 'enforcing'], {
    doc: "TLS on the remoting ports and the broker's gRPC port: disabled (plain only), permissive (TLS and plain on one port), enforcing (TLS only).",
  }),
  'tls.server.certPath': text('', { doc: 'PEM certificate (chain) of this server.' }),
  'tls.server.keyPath': text('', { doc: 'PEM private key (PKCS#8) of this server.' }),
  'tls.server.keyPassword': text('', { doc: 'Password of an encrypted keyPath.', secret: true }),
  'tls.server.trustCertPath': text('', { doc: 'PEM CA certificates that client certificates are checked against.' }),
  'tls.server.need.client.auth': oneOf('none', ['none', 'optional', 'require'], {
    doc: "Ask clients for a certificate (optional), and refuse those without a trusted one (require).",
  }),
  'tls.enable': bool(false, { doc: "This process's own outbound connections (broker → name server) use TLS." }),
  'tls.client.authServer': bool(false, { doc: "Verify the server's certificate on outbound TLS (false trusts any, as Apache's default)." }),
  'tls.client.trustCertPath': text('', { doc: 'PEM CA certificates outbound TLS checks servers against.' }),
  'tls.test.mode.enable': bool(false, {
    doc: "Apache's self-signed certificate when no key material is configured.",
    notImplemented: 'rocketmq-ts makes no self-signed certificate; give tls.server.certPath and tls.server.keyPath',
  }),
  'tls.config.file': text('', {
    doc: "Apache's separate TLS properties file.",
    notImplemented: 'tls.config.file is not read; put the tls.* keys in broker.conf / namesrv.conf',
  }),
};

export const tlsDefaults = defaultsOf(tlsSettings);

export type TlsConfig = Pick<SettingsValues<typeof tlsSettings>, Exclude<keyof typeof tlsSettings, 'tls.test.mode.enable' | 'tls.config.file'>>;

function read(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`${key}=${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

/** The remoting server's TLS options plus what they were made from (the gRPC port builds a tls.Server from it). */
export interface ServerTls extends ServerTlsOptions {
  /** Key, certificate, trusted CAs and key password, as read; present with `secureContext`. */
  contextOptions?: SecureContextOptions;
}

/** The server side, or undefined when the mode is disabled (no sniffing needed: a TLS hello is then not a valid frame and its connection closes). */
export function serverTls(config: TlsConfig): ServerTls {
  const mode = config['tls.server.mode'];
  if (mode !== 'disabled' && mode !== 'permissive' && mode !== 'enforcing') {
    throw new Error(`tls.server.mode=${mode} must be disabled, permissive or enforcing`);
  }
  const auth = config['tls.server.need.client.auth'];
  if (auth !== 'none' && auth !== 'optional' && auth !== 'require') throw new Error(`tls.server.need.client.auth=${auth} must be none, optional or require`);
  const certPath = config['tls.server.certPath'];
  const keyPath = config['tls.server.keyPath'];
  if ((certPath === '') !== (keyPath === '')) throw new Error('set both tls.server.certPath and tls.server.keyPath (or neither)');
  if (mode === 'enforcing' && certPath === '') {
    throw new Error('tls.server.mode=enforcing needs tls.server.certPath and tls.server.keyPath (PEM files); rocketmq-ts does not make a self-signed certificate');
  }
  if (mode === 'disabled' || certPath === '') return { mode: mode as TlsServerMode };
  const trust = config['tls.server.trustCertPath'];
  const contextOptions: SecureContextOptions = {
    cert: read(certPath, 'tls.server.certPath'),
    key: read(keyPath, 'tls.server.keyPath'),
    ...(config['tls.server.keyPassword'] ? { passphrase: config['tls.server.keyPassword'] } : {}),
    ...(trust ? { ca: read(trust, 'tls.server.trustCertPath') } : {}),
  };
  let secureContext;
  try {
    secureContext = createSecureContext(contextOptions);
  } catch (error) {
    throw new Error(`the TLS key or certificate cannot be used: ${(error as Error).message}`, { cause: error });
  }
  return { mode: mode as TlsServerMode, secureContext, contextOptions, requestCert: auth !== 'none', rejectUnauthorized: auth === 'require' };
}

/** The outbound side (tls.enable), for the broker's name server client. */
export function clientTls(config: TlsConfig): ClientTlsOption | undefined {
  if (!config['tls.enable']) return undefined;
  const trust = config['tls.client.trustCertPath'];
  return { rejectUnauthorized: config['tls.client.authServer'], ...(trust ? { ca: read(trust, 'tls.client.trustCertPath') } : {}) };
}
