import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeOpBody, parseOpBody } from './op-body.ts';

describe('op record bodies', () => {
  it('reads the 4.x form (one offset) and the 5.x batched form ("12,13,")', () => {
    assert.deepEqual(parseOpBody(encodeOpBody(42)), { offsets: [42], invalid: [] });
    assert.deepEqual(parseOpBody(Buffer.from('12,13,')), { offsets: [12, 13], invalid: [] });
    assert.deepEqual(parseOpBody(Buffer.from('7')), { offsets: [7], invalid: [] });
    assert.deepEqual(parseOpBody(Buffer.from('')), { offsets: [], invalid: [] });
  });

  it('reports unreadable items instead of guessing', () => {
    assert.deepEqual(parseOpBody(Buffer.from('5,x1,-3,')), { offsets: [5], invalid: ['x1', '-3'] });
  });
});
