/**
 * The body of an op message in RMQ_SYS_TRANS_OP_HALF_TOPIC (wave2.md §c.2): the half-queue
 * offset of a finished half message as decimal text. 4.x writes one offset per op message
 * ("12"); 5.x batches them, each followed by a comma ("12,13,"). We write the 4.x form and
 * read both, so a store directory written by either version opens.
 */

/** The op message's tag: the half message is finished (TransactionalMessageUtil.REMOVETAG). */
export const REMOVE_TAG = 'd';

export function encodeOpBody(halfQueueOffset: number): Buffer {
  return Buffer.from(String(halfQueueOffset), 'utf8');
}

/** Half-queue offsets named by an op body; malformed items are skipped (returned in `invalid`). */
export function parseOpBody(body: Uint8Array): { offsets: number[]; invalid: string[] } {
  const offsets: number[] = [];
  const invalid: string[] = [];
  for (const item of Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8').split(',')) {
    const text = item.trim();
    if (text === '') continue;
    const offset = /^\d+$/.test(text) ? Number(text) : NaN;
    if (Number.isSafeInteger(offset)) offsets.push(offset);
    else invalid.push(text);
  }
  return { offsets, invalid };
}
