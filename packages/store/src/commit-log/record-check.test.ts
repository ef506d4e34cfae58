import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeStoredMessage, MESSAGE_MAGIC_CODE_V2, type StoredMessageInit } from '@rocketmq-ts/protocol';
import { checkRecord, RecordCheck, writeBlankMarker } from './record-check.ts';

const init: StoredMessageInit = {
  queueId: 1,
  flag: 0,
  queueOffset: 5,
  commitLogOffset: 4096,
  sysFlag: 0,
  bornTimestamp: 1,
  bornHost: { address: '127.0.0.1', port: 1 },
  storeTimestamp: 2,
  storeHost: { address: '127.0.0.1', port: 2 },
  reconsumeTimes: 0,
  preparedTransactionOffset: 0,
  body: Buffer.from('body bytes'),
  topic: 'T',
  propertiesText: 'a\u0001b\u0002',
};

describe('checkRecord', () => {
  const record = encodeStoredMessage(init);
  const check = (bytes: Buffer, available = bytes.length, limit = 1 << 20, offset = 4096, crc = true) =>
    checkRecord(bytes, 0, available, limit, offset, crc);

  it('returns the length of a valid record', () => {
    assert.equal(check(record), record.length);
  });

  it('recognizes BLANK markers and zero bytes', () => {
    const blank = Buffer.alloc(8);
    writeBlankMarker(blank, 0, 1234);
    assert.equal(check(blank), RecordCheck.BLANK);
    assert.equal(check(Buffer.alloc(16)), RecordCheck.ZERO);
    assert.equal(check(Buffer.alloc(4), 4, 4), RecordCheck.ZERO, 'fewer than 8 zero bytes before the segment end');
  });

  it('asks for more bytes when the record is not all in the buffer', () => {
    assert.equal(check(record, 6), RecordCheck.NEED_MORE);
    assert.equal(check(record, record.length - 1), RecordCheck.NEED_MORE);
  });

  it('flags a record running past its limit, bad magic, bad lengths, CRC and position', () => {
    assert.equal(check(record, record.length, record.length - 1), RecordCheck.TRUNCATED);
    const badMagic = Buffer.from(record);
    badMagic.writeInt32BE(0x12345678, 4);
    assert.equal(check(badMagic), RecordCheck.BAD_MAGIC);
    const badBodyLength = Buffer.from(record);
    badBodyLength.writeInt32BE(11, 84);
    assert.equal(check(badBodyLength), RecordCheck.BAD_LENGTH);
    const negative = Buffer.from(record);
    negative.writeInt32BE(-5, 84);
    assert.equal(check(negative), RecordCheck.BAD_LENGTH);
    const tooShort = Buffer.from(record);
    tooShort.writeInt32BE(20, 0);
    assert.equal(check(tooShort), RecordCheck.BAD_LENGTH);
    const flipped = Buffer.from(record);
    flipped.writeUInt8(flipped.readUInt8(90) ^ 1, 90);
    assert.equal(check(flipped), RecordCheck.BAD_CRC);
    assert.equal(check(flipped, flipped.length, 1 << 20, 4096, false), record.length, 'CRC only when asked');
    assert.equal(check(record, record.length, 1 << 20, 0), RecordCheck.BAD_OFFSET);
  });

  it('accepts a 5.x record (magic V2, int16 topic length)', () => {
    const v4 = encodeStoredMessage(init);
    const topicAt = 88 + init.body.length;
    const v2 = Buffer.concat([v4.subarray(0, topicAt), Buffer.from([0, 1]), v4.subarray(topicAt + 1)]);
    v2.writeInt32BE(v2.length, 0);
    v2.writeInt32BE(MESSAGE_MAGIC_CODE_V2, 4);
    assert.equal(check(v2), v2.length);
  });
});
