/**
 * ACL 1.0 request signatures, as the Java client's AclClientRPCHook makes them and the 4.x
 * broker's PlainAccessValidator checks them: HMAC-SHA1 (key = the secret key) over the values
 * of the header fields sorted by name — AccessKey (and SecurityToken) included, Signature
 * left out — concatenated as UTF-8, followed by the body; the digest goes in Base64.
 */
import { createHmac } from 'node:crypto';
import type { RemotingCommand } from '../codec/command.ts';

export const ACCESS_KEY_FIELD = 'AccessKey';
export const SECRET_KEY_FIELD = 'SecretKey';
export const SIGNATURE_FIELD = 'Signature';
export const SECURITY_TOKEN_FIELD = 'SecurityToken';
/** MixAll.UNIQUE_MSG_QUERY_FLAG: the broker leaves it out of the signed content. */
const UNIQUE_KEY_QUERY_FIELD = '_UNIQUE_KEY_QUERY';

export interface AclCredentials {
  accessKey: string;
  secretKey: string;
  securityToken?: string;
}

/** Java's TreeMap<String,String> order: UTF-16 code unit order, which is what `<` on strings does. */
function byJavaStringOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The signed bytes: sorted field values, then the body. */
export function signedContent(fields: Readonly<Record<string, string>>, body: Uint8Array | undefined): Buffer {
  const text = Object.keys(fields)
    .sort(byJavaStringOrder)
    .map((key) => fields[key])
    .join('');
  const head = Buffer.from(text, 'utf8');
  return body && body.length > 0 ? Buffer.concat([head, body]) : head;
}

export function calSignature(content: Uint8Array, secretKey: string): string {
  return createHmac('sha1', Buffer.from(secretKey, 'utf8')).update(content).digest('base64');
}

/** The broker's view: every extField but Signature and _UNIQUE_KEY_QUERY. */
export function brokerSignedContent(request: Pick<RemotingCommand, 'extFields' | 'body'>): Buffer {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.extFields ?? {})) {
    if (key === SIGNATURE_FIELD || key === UNIQUE_KEY_QUERY_FIELD) continue;
    fields[key] = value;
  }
  return signedContent(fields, request.body);
}

/** Adds AccessKey, SecurityToken and Signature to a request's extFields (AclClientRPCHook.doBeforeRequest). */
export function signRequest(request: RemotingCommand, credentials: AclCredentials): void {
  const extFields: Record<string, string> = { ...request.extFields };
  delete extFields[SIGNATURE_FIELD];
  extFields[ACCESS_KEY_FIELD] = credentials.accessKey;
  if (credentials.securityToken !== undefined) extFields[SECURITY_TOKEN_FIELD] = credentials.securityToken;
  const signature = calSignature(brokerSignedContent({ extFields, body: request.body }), credentials.secretKey);
  extFields[SIGNATURE_FIELD] = signature;
  request.extFields = extFields;
}
