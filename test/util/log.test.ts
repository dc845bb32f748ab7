import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prettyLine } from '../../src/util/log.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath } from '../helpers/broker-process.js';

test('SAMSA_LOG_FORMAT=pretty: time, level, component, message, then key=value', () => {
  const line = JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 2, 3, 4, 5, 6), pid: 1, component: 'broker', msg: 'produce to orders failed: INVALID_RECORD', topic: 'orders', suppressed: 0, err: { message: 'bad things' } });
  assert.equal(prettyLine(line, false), '03:04:05.006 WARN  [broker] produce to orders failed: INVALID_RECORD  topic=orders suppressed=0 err="bad things"\n');
  assert.equal(prettyLine('not json', false), 'not json\n');
});

test('a broker started with SAMSA_LOG_FORMAT=pretty writes lines for people', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-pretty-'));
  const child = spawn(process.execPath, [cliPath, 'start', '--log.dirs', dir, '--listeners', 'PLAINTEXT://127.0.0.1:0', '--admin.listeners', 'http://127.0.0.1:0'], {
    env: { ...process.env, SAMSA_LOG_FORMAT: 'pretty', SAMSA_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    let text = '';
    child.stderr!.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line within 15 s:\n${text}`)), 15_000);
      child.stderr!.on('data', (s: string) => {
        text += s;
        if (/Samsa ready on/.test(text)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}:\n${text}`)));
    });
    assert.match(text, /^\d\d:\d\d:\d\d\.\d{3} INFO  \[broker\] starting Samsa \S+  version=/m);
    assert.match(text, /^\d\d:\d\d:\d\d\.\d{3} INFO  Samsa ready on 127\.0\.0\.1:\d+; metrics and console on http:\/\/127\.0\.0\.1:\d+  listener=/m);
    assert.doesNotMatch(text, /^\{/m);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
