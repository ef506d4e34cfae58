/** The settings schemas: every key refuses a bad value by name, unimplemented features refuse to start, typos get a suggestion, the reference doc is current. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { brokerKeyAliases, brokerNoEffectKeys, brokerSettings } from '../broker/broker-config.ts';
import { namesrvSettings } from '../namesrv/namesrv-config.ts';
import { renderConfigurationDoc } from './config-doc.ts';
import { checkSettings, ConfigError, defaultsOf, editDistance, nearestKey, parseUpdate, printSettings, resolveSettings, type SettingsSchema } from './schema.ts';

const schemas: [string, SettingsSchema][] = [
  ['broker', brokerSettings],
  ['name server', namesrvSettings],
];

function refusal(schema: SettingsSchema, values: Record<string, string>, what = 'broker'): ConfigError {
  try {
    resolveSettings(schema, [{ source: 'test.conf', values }], { what });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail(`accepted ${JSON.stringify(values)}`);
}

describe('settings schema', () => {
  for (const [what, schema] of schemas) {
    describe(`${what}: every key`, () => {
      for (const [key, setting] of Object.entries(schema)) {
        it(`${key} refuses ${JSON.stringify(setting.invalidExample)} with a message naming the key and the rule`, () => {
          const error = refusal(schema, { [key]: setting.invalidExample }, what);
          assert.equal(error.problems.length, 1, error.message);
          assert.ok(error.message.startsWith(`${key}=`), error.message);
          assert.ok(error.message.includes(`${key} must ${setting.rule}`), error.message);
        });
        it(`${key}: its default passes its own check and round-trips through text`, () => {
          assert.deepEqual(checkSettings(schema, { [key]: setting.default }), []);
          const { config } = resolveSettings(schema, [{ source: 'test', values: { [key]: String(setting.default) } }], { what });
          assert.equal(config[key], setting.default);
        });
        if (setting.notImplemented) {
          it(`${key}: a non-default value refuses to start (not implemented)`, () => {
            const other = setting.kind === 'boolean' ? String(!setting.default) : '/elsewhere';
            const error = refusal(schema, { [key]: other }, what);
            assert.match(error.message, new RegExp(`${key.replace(/\./g, '\\.')}=.* is not supported by rocketmq-ts: .*remove the key or set ${key.replace(/\./g, '\\.')}=`));
          });
        }
      }
    });
  }

  it('the cases from the issue: flushDiskType=SYNC, an unimplemented feature, and typed kinds', () => {
    assert.match(refusal(brokerSettings, { flushDiskType: 'SYNC' }).message, /^flushDiskType=SYNC \(test\.conf\): flushDiskType must be ASYNC_FLUSH or SYNC_FLUSH$/);
    assert.match(refusal(brokerSettings, { enableDLegerCommitLog: 'true' }).message, /DLedger commit log is not implemented/);
    assert.match(refusal(brokerSettings, { listenPort: '70000' }).message, /listenPort must be a whole number from 0 to 65535/);
    assert.match(refusal(brokerSettings, { autoCreateTopicEnable: 'yes' }).message, /must be true or false/);
    assert.match(refusal(brokerSettings, { brokerRole: 'MASTER' }).message, /must be one of ASYNC_MASTER, SYNC_MASTER or SLAVE/);
  });

  it('reports every problem of a file at once', () => {
    const error = refusal(brokerSettings, { flushDiskType: 'SYNC', listenPort: 'x', deleteWhen: '4am' });
    assert.equal(error.problems.length, 3);
  });

  it('parses values with their types, trimming and case-folding booleans', () => {
    const { config } = resolveSettings(brokerSettings, [{ source: 'f', values: { listenPort: ' 10921 ', autoCreateTopicEnable: 'FALSE', flushDiskType: 'SYNC_FLUSH' } }], { what: 'broker' });
    assert.equal(config.listenPort, 10921);
    assert.equal(config.autoCreateTopicEnable, false);
    assert.equal(config.flushDiskType, 'SYNC_FLUSH');
  });

  it('unknown keys in a file warn with the nearest known key; on the command line they are errors', () => {
    const { warnings } = resolveSettings(brokerSettings, [{ source: 'broker.conf', values: { flushDiskTyp: 'SYNC_FLUSH', listenport: '1' } }], { what: 'broker' });
    assert.deepEqual(warnings, [
      'flushDiskTyp (broker.conf) is not a broker setting; did you mean flushDiskType?; it is ignored',
      'listenport (broker.conf) is not a broker setting; did you mean listenPort?; it is ignored',
    ]);
    assert.throws(
      () => resolveSettings(brokerSettings, [{ source: 'command line', values: { brokerNam: 'x' }, strict: true }], { what: 'broker' }),
      /--brokerNam \(command line\) is not a broker setting; did you mean --brokerName\?/,
    );
    const far = resolveSettings(brokerSettings, [{ source: 'f', values: { somethingElseEntirely: '1' } }], { what: 'broker' });
    assert.doesNotMatch(far.warnings[0]!, /did you mean/);
  });

  it('old spellings are aliases and JVM tuning keys only warn', () => {
    const { config, warnings } = resolveSettings(brokerSettings, [{ source: 'f', values: { mapedFileSizeCommitLog: '1048576', sendMessageThreadPoolNums: '128' } }], {
      what: 'broker',
      aliases: brokerKeyAliases,
      noEffect: brokerNoEffectKeys,
    });
    assert.equal(config.mappedFileSizeCommitLog, 1048576);
    assert.match(warnings[0]!, /sendMessageThreadPoolNums \(f\) has no effect in rocketmq-ts/);
  });

  it('runtime updates are checked the same way', () => {
    assert.deepEqual(parseUpdate(brokerSettings, { brokerPermission: '4' }, 'broker'), { brokerPermission: 4 });
    assert.throws(() => parseUpdate(brokerSettings, { flushDiskType: 'SYNC' }, 'broker'), /flushDiskType must be ASYNC_FLUSH or SYNC_FLUSH/);
    assert.throws(() => parseUpdate(namesrvSettings, { orderMessageEnabled: 'true' }, 'name server'), /did you mean orderMessageEnable/);
  });

  it('typed configs given in code are checked too', () => {
    assert.deepEqual(checkSettings(brokerSettings, { ...defaultsOf(brokerSettings), flushDiskType: 'SYNC' }), ['flushDiskType=SYNC: flushDiskType must be ASYNC_FLUSH or SYNC_FLUSH']);
  });

  it('-p masks secrets, -m prints only the important keys', () => {
    const config = { ...defaultsOf(brokerSettings), 'tls.server.keyPassword': 'hunter2' };
    const all = printSettings(brokerSettings, config, false);
    assert.match(all, /^tls\.server\.keyPassword=\*\*\*$/m);
    assert.doesNotMatch(all, /hunter2/);
    const important = printSettings(brokerSettings, config, true);
    assert.match(important, /^flushDiskType=ASYNC_FLUSH$/m);
    assert.doesNotMatch(important, /maxTransferCountOnMessageInDisk/);
  });

  it('edit distance and nearest key', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(nearestKey('namesrvAdr', ['namesrvAddr', 'listenPort']), 'namesrvAddr');
    assert.equal(nearestKey('zzz', ['namesrvAddr', 'listenPort']), undefined);
  });

  it('docs/configuration.md is generated from the schema (run npm run docs:config if this fails)', () => {
    const onDisk = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
    assert.equal(onDisk, renderConfigurationDoc(), 'docs/configuration.md is stale: run npm run docs:config');
  });
});
