// A Kafka server.properties took nine starts: each failed on one unknown name. Every unknown
// name of every layer (file, environment, flags) is now reported in one line, and the Kafka
// settings that mean nothing in Samsa are accepted and kept for the start's one warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { BROKER_CONFIG_BY_NAME } from '../../src/config/definitions.js';
import { IGNORED_SETTING_NAMES, ignoredSetting } from '../../src/config/ignored.js';
import { ConfigError } from '../../src/config/parse.js';

test('every unknown setting of the file, the environment and the flags is named in one error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-cfg-'));
  try {
    const file = join(dir, 'server.properties');
    writeFileSync(file, 'log.retention.hourz=1\nnum.partitions=2\nfrobnicate=yes\n');
    const env = { SAMSA_NUM_PARTITIONZ: '3', SAMSA_LOG_LEVEL: 'warn' };
    const flags = new Map([['message.max.bytez', '1'], ['num.partitions', 'many']]);
    assert.throws(
      () => BrokerConfig.load({ file, env, flags }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.message.split('\n').length, 1);
        assert.equal(
          e.message,
          'unknown settings SAMSA_NUM_PARTITIONZ (env), log.retention.hourz (file), frobnicate (file), message.max.bytez (flag); ' +
            'invalid value "many" for num.partitions (flag): expected an integer',
        );
        return true;
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Kafka settings without meaning in Samsa are accepted and listed, from every layer', () => {
  const c = BrokerConfig.load({
    env: { SAMSA_NUM_IO_THREADS: '8', SAMSA_ZOOKEEPER_SET_ACL: 'true' },
    flags: new Map([['num.network.threads', '3'], ['zookeeper.ssl.client.enable', 'false'], ['num.partitions', '4']]),
  });
  assert.equal(c.int('num.partitions'), 4);
  assert.deepEqual(c.ignored.map((i) => `${i.name} (${i.source})`), ['num.io.threads (env)', 'zookeeper.set.acl (env)', 'num.network.threads (flag)', 'zookeeper.ssl.client.enable (flag)']);
  assert.throws(() => c.get('num.io.threads'), ConfigError);
});

test('no ignored name is one Samsa defines (a defined name always takes effect)', () => {
  for (const n of IGNORED_SETTING_NAMES) {
    assert.ok(ignoredSetting(n), n);
    assert.equal(BROKER_CONFIG_BY_NAME.has(n), false, `${n} is both defined and ignored`);
  }
});
