/**
 * The JSON header (serializeType 0): what fastjson writes for a RemotingCommand bean.
 *
 *   {"code":I,"extFields":{k:"v",…}?,"flag":I,"language":NAME,"opaque":I,"remark":S?,
 *    "serializeTypeCurrentRPC":"JSON","version":I}
 *
 * Keys in bean-property (alphabetical) order, null fields omitted, extFields in Java HashMap
 * order with every value a string. Mirrors RemotingCommand.headerEncode / RemotingSerializable.
 * Decoding is lenient (remoting-protocol.md §2.2): any key order, numeric or boolean extFields
 * values (ali-ons), language as a name or an ordinal, unknown keys ignored.
 */
import { SerializeType } from '../codes/flags.ts';
import { parseLanguage } from '../codes/language-code.ts';
import { FrameDecodeError } from '../errors.ts';
import { writeJsonString } from '../json/fastjson.ts';
import { type ExtFields, type RemotingCommand, setExtField } from './command.ts';
import { javaStringMapOrder } from './java-hash.ts';

export function encodeJsonHeader(command: RemotingCommand): Buffer {
  return Buffer.from(jsonHeaderText(command), 'utf8');
}

export function jsonHeaderText(command: RemotingCommand): string {
  let text = `{"code":${command.code}`;
  if (command.extFields) text += `,"extFields":${writeExtFields(command.extFields)}`;
  text += `,"flag":${command.flag},"language":"${command.language}","opaque":${command.opaque}`;
  if (command.remark != null) text += `,"remark":${writeJsonString(command.remark)}`;
  return text + `,"serializeTypeCurrentRPC":"JSON","version":${command.version}}`;
}

function writeExtFields(extFields: ExtFields): string {
  const keys = javaStringMapOrder(Object.keys(extFields));
  let text = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (i > 0) text += ',';
    text += `${writeJsonString(key)}:${writeJsonString(extFields[key]!)}`;
  }
  return text + '}';
}

export function decodeJsonHeader(bytes: Buffer): Omit<RemotingCommand, 'body'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new FrameDecodeError(`JSON header is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new FrameDecodeError('JSON header is not an object');
  }
  const header = parsed as Record<string, unknown>;
  return {
    code: requireInt(header, 'code'),
    language: parseLanguage(header['language']),
    version: optionalInt(header, 'version'),
    opaque: optionalInt(header, 'opaque'),
    flag: optionalInt(header, 'flag'),
    remark: typeof header['remark'] === 'string' ? header['remark'] : undefined,
    extFields: readExtFields(header['extFields']),
    serializeType: SerializeType.JSON,
  };
}

function requireInt(header: Record<string, unknown>, key: string): number {
  const value = header[key];
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new FrameDecodeError(`JSON header field "${key}" must be an integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function optionalInt(header: Record<string, unknown>, key: string): number {
  return header[key] === undefined || header[key] === null ? 0 : requireInt(header, key);
}

function readExtFields(value: unknown): ExtFields | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new FrameDecodeError('JSON header field "extFields" must be an object');
  }
  // The common case (every value a string, as Java and Go send): use JSON.parse's own object,
  // which holds even a "__proto__" key as plain data.
  let allStrings = true;
  for (const key in value) {
    if (typeof (value as Record<string, unknown>)[key] !== 'string') {
      allStrings = false;
      break;
    }
  }
  if (allStrings) return value as ExtFields;
  const extFields: ExtFields = {};
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    if (raw === null || raw === undefined) continue;
    if (typeof raw === 'string') setExtField(extFields, key, raw);
    else if (typeof raw === 'number' || typeof raw === 'boolean') setExtField(extFields, key, String(raw));
    else throw new FrameDecodeError(`extFields["${key}"] must be a string, number or boolean`);
  }
  return extFields;
}
