import { deflateSync, inflateSync } from 'node:zlib';

/** The Java producer's default (rocketmq.message.compressLevel). */
export const DEFAULT_COMPRESS_LEVEL = 5;
/** DefaultMQProducer.compressMsgBodyOverHowmuch. */
export const DEFAULT_COMPRESS_OVER_BYTES = 4 * 1024;

/** zlib format ("deflate with header"), as UtilAll.compress writes and every client reads. */
export function compressBody(body: Uint8Array, level = DEFAULT_COMPRESS_LEVEL): Buffer {
  return deflateSync(body, { level });
}

export function uncompressBody(body: Uint8Array): Buffer {
  return inflateSync(body);
}
