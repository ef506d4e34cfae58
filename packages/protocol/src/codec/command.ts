import { CommandFlag, MQVersion, SerializeType, type SerializeTypeValue } from '../codes/flags.ts';
import type { LanguageName } from '../codes/language-code.ts';

/** extFields: the header fields of a command, every value a string as on the wire. */
export type ExtFields = Record<string, string>;

/**
 * One remoting command, request or response (RemotingCommand.java). The body is kept as the
 * bytes received; the typed header lives in `extFields` and is read with a header table.
 */
export interface RemotingCommand {
  code: number;
  language: LanguageName;
  version: number;
  opaque: number;
  flag: number;
  remark?: string | undefined;
  extFields?: ExtFields | undefined;
  body?: Buffer | undefined;
  serializeType: SerializeTypeValue;
}

/** Sets an extFields entry from the wire; a "__proto__" key becomes data, never the prototype. */
export function setExtField(extFields: ExtFields, key: string, value: string): void {
  if (key === '__proto__') Object.defineProperty(extFields, key, { value, enumerable: true, writable: true, configurable: true });
  else extFields[key] = value;
}

export interface CommandInit {
  extFields?: ExtFields | undefined;
  body?: Buffer | undefined;
  remark?: string | undefined;
  opaque?: number;
  serializeType?: SerializeTypeValue;
  language?: LanguageName;
  version?: number;
}

export function createRequest(code: number, init: CommandInit = {}): RemotingCommand {
  return {
    code,
    language: init.language ?? 'JAVA',
    version: init.version ?? MQVersion.CURRENT,
    opaque: init.opaque ?? 0,
    flag: 0,
    remark: init.remark,
    extFields: init.extFields,
    body: init.body,
    serializeType: init.serializeType ?? SerializeType.JSON,
  };
}

/** A response to `request`: same opaque, response bit set, same serialize type (spec §2.4). */
export function createResponse(request: RemotingCommand, code: number, init: Omit<CommandInit, 'opaque'> = {}): RemotingCommand {
  return {
    code,
    language: init.language ?? 'JAVA',
    version: init.version ?? MQVersion.CURRENT,
    opaque: request.opaque,
    flag: CommandFlag.RESPONSE,
    remark: init.remark,
    extFields: init.extFields,
    body: init.body,
    serializeType: init.serializeType ?? request.serializeType,
  };
}

export function isResponse(command: RemotingCommand): boolean {
  return (command.flag & CommandFlag.RESPONSE) !== 0;
}

export function isOneway(command: RemotingCommand): boolean {
  return (command.flag & CommandFlag.ONEWAY) !== 0;
}

export function markOneway(command: RemotingCommand): RemotingCommand {
  command.flag |= CommandFlag.ONEWAY;
  return command;
}
