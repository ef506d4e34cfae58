/** DataVersion.stateVersion (5.x, controller mode) in REGISTER_BROKER bodies and QUERY_DATA_VERSION. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDataVersion, decodeRegisterBrokerBody, encodeDataVersion, encodeRegisterBrokerBody } from './route.ts';

describe('DataVersion.stateVersion', () => {
  it('is written in fastjson field order when set, and left out otherwise (4.x bytes unchanged)', () => {
    assert.equal(encodeDataVersion({ counter: 3, timestamp: 1700000000000 }).toString(), '{"counter":3,"timestamp":1700000000000}');
    assert.equal(encodeDataVersion({ counter: 3, stateVersion: 7, timestamp: 1700000000000 }).toString(), '{"counter":3,"stateVersion":7,"timestamp":1700000000000}');
    const body = encodeRegisterBrokerBody({ topicConfigSerializeWrapper: { dataVersion: { counter: 1, timestamp: 5, stateVersion: 2 }, topicConfigTable: new Map() }, filterServerList: [] });
    assert.match(body.toString(), /"dataVersion":\{"counter":1,"stateVersion":2,"timestamp":5\}/);
    assert.deepEqual(decodeRegisterBrokerBody(body, false).topicConfigSerializeWrapper.dataVersion, { counter: 1, timestamp: 5, stateVersion: 2 });
  });

  it('reads an Apache 5.x broker body (counter as an AtomicLong number, stateVersion) and a 4.x one', () => {
    assert.deepEqual(decodeDataVersion(Buffer.from('{"counter":12,"stateVersion":4,"timestamp":1700000000001}')), { counter: 12, timestamp: 1700000000001, stateVersion: 4 });
    assert.deepEqual(decodeDataVersion(Buffer.from('{"counter":12,"timestamp":1700000000001}')), { counter: 12, timestamp: 1700000000001 });
  });
});
