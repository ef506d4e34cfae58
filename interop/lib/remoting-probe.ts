/**
 * A deliberately tiny, independent RocketMQ remoting request (JSON header, one request, one
 * response) for readiness checks of servers under test, so a harness never depends on the
 * codec it is meant to test. Frame: int32 length (of what follows), int32 (serializeType << 24 |
 * headerLength) with serializeType 0 = JSON, the JSON header, the body.
 */
import { connect } from 'node:net';

export interface ProbeResponse {
  code: number;
  remark: string | undefined;
  /** The response header's extFields (every value a string; {} when there are none). */
  extFields: Record<string, string>;
  body: Buffer;
}

const GET_BROKER_CLUSTER_INFO = 106;

/**
 * Sends request `code` (with `extFields` when given, no body) to `addr` and resolves with the
 * response.
 */
export function probeRequest(addr: string, code: number, timeoutMillis = 3000, extFields?: Record<string, string>): Promise<ProbeResponse> {
  const separator = addr.lastIndexOf(':');
  const host = addr.slice(0, separator);
  const port = Number(addr.slice(separator + 1));
  const header = Buffer.from(
    JSON.stringify({ code, extFields, flag: 0, language: 'JAVA', opaque: 1, serializeTypeCurrentRPC: 'JSON', version: 373 }),
    'utf8',
  );
  const frame = Buffer.alloc(8 + header.length);
  frame.writeInt32BE(4 + header.length, 0);
  frame.writeInt32BE(header.length, 4);
  header.copy(frame, 8);

  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    let received = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no response to request code ${code} from ${addr} within ${timeoutMillis} ms`));
    }, timeoutMillis);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('connect', () => socket.write(frame));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 4) return;
      const data = Buffer.concat(chunks);
      const length = data.readInt32BE(0);
      if (data.length < 4 + length) return;
      clearTimeout(timer);
      socket.destroy();
      const headerLength = data.readInt32BE(4) & 0xffffff;
      try {
        const parsed = JSON.parse(data.subarray(8, 8 + headerLength).toString('utf8')) as {
          code: number;
          remark?: string;
          extFields?: Record<string, string>;
        };
        resolve({ code: parsed.code, remark: parsed.remark, extFields: parsed.extFields ?? {}, body: data.subarray(8 + headerLength, 4 + length) });
      } catch (error) {
        reject(new Error(`undecodable response header from ${addr}: ${String(error)}`));
      }
    });
  });
}

/**
 * The name server's cluster info as text (fastjson output: maps with int keys are not strict
 * JSON, so callers search it rather than parse it).
 */
export async function clusterInfoText(namesrvAddr: string, timeoutMillis = 3000): Promise<string> {
  const response = await probeRequest(namesrvAddr, GET_BROKER_CLUSTER_INFO, timeoutMillis);
  if (response.code !== 0) {
    throw new Error(`GET_BROKER_CLUSTER_INFO to ${namesrvAddr} answered code ${response.code}: ${response.remark ?? ''}`);
  }
  return response.body.toString('utf8');
}
