// The README is where a newcomer starts: its table of commands must be the commands there are
// (as `samsa --help` lists them), and its client examples must not share a consumer group
// (they moved each other's partitions when run within a session timeout of each other).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, samsa } from './helpers.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

test('the README table of commands is the list samsa --help prints', async () => {
  const inReadme = [...readme.matchAll(/^\| `samsa ([a-z -]+)` \|/gm)].map((m) => m[1]!);
  const r = await samsa('127.0.0.1:1', ['--help']);
  assert.equal(r.code, 0);
  const index = r.stdout.slice(r.stdout.indexOf('Every command:'));
  const inHelp = [...index.matchAll(/^ {2}(\S+(?: \S+)*) {2,}/gm)].map((m) => m[1]!);
  assert.ok(inHelp.length >= 15, index);
  assert.deepEqual(inReadme, inHelp);
});

test('the README client examples each use their own consumer group, and kcat -G reads existing data', () => {
  const groups = [...readme.matchAll(/-G (\S+)|groupId: '([^']+)'|'group\.id': '([^']+)'/g)].map((m) => m[1] ?? m[2] ?? m[3]);
  assert.equal(groups.length, 3, String(groups));
  assert.equal(new Set(groups).size, 3, String(groups));
  assert.match(readme, /kcat .*-G \S+ (-o beginning|-X auto\.offset\.reset=earliest)/);
});
