// The web console in Debian's Chromium (playwright-core driving /usr/bin/chromium): each screen
// opened against a broker with data, with a screenshot of each kept in test-results/console/; a
// record produced here shows in the message browser; a group's lag is the one
// `samsa group describe` prints; an offset reset done through the console moves the group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startBroker, type StartedBroker } from '../../src/node/start-broker.js';
import { repoRoot } from '../helpers/broker-process.js';
import { samsa } from '../cli/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(repoRoot, 'test-results', 'console');

interface Described {
  state: string;
  partitions: { topic: string; partition: number; currentOffset: number | null; lag: number | null }[];
  totalLag: number;
}

async function describe(b: StartedBroker, group: string): Promise<Described> {
  const r = await samsa(b.bootstrap, ['group', 'describe', group, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Described;
}

async function open(page: Page, url: string, shot: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  await page.waitForSelector('.loading', { state: 'detached', timeout: 15_000 });
  assert.equal(await page.locator('.notice.error').count(), 0, `${url}: ${await page.locator('.notice.error').allInnerTexts()}`);
  await page.screenshot({ path: join(SHOTS, `${shot}.png`), fullPage: true });
}

test('the web console against a broker with data', { timeout: 180_000 }, async (t) => {
  assert.ok(existsSync(CHROMIUM), 'Debian\'s chromium is needed (scripts/test-deps.sh installs it)');
  mkdirSync(SHOTS, { recursive: true });
  const b = await startBroker();
  const kafka = new kafkajs.Kafka({ clientId: 'console-test', brokers: [b.bootstrap], logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  let browser: Browser | undefined;
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }, { topic: 'audit', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
    await producer.connect();
    for (let p = 0; p < 3; p++) {
      await producer.send({
        topic: 'orders',
        messages: Array.from({ length: 4 + p }, (_, i) => ({ partition: p, key: `customer-${i}`, value: JSON.stringify({ order: p * 100 + i, amount: 10 + i, items: ['book', 'pen'] }), headers: { source: 'web' } })),
      });
    }
    await producer.send({ topic: 'audit', messages: [{ value: Buffer.from([0, 1, 2, 0xfe, 0xff]) }, { key: 'plain', value: 'a plain text line' }] });
    await admin.setOffsets({ groupId: 'billing', topic: 'orders', partitions: [{ partition: 0, offset: '1' }, { partition: 1, offset: '5' }, { partition: 2, offset: '2' }] });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const url = b.adminUrl!;

    // Cluster and brokers.
    await open(page, `${url}/`, 'cluster');
    assert.equal(await page.locator('[data-testid="brokers"] tr[data-broker="0"]').count(), 1);
    assert.equal(await page.getByTestId('card-topics').innerText(), '2');
    await page.waitForSelector('[data-testid="throughput"] svg');
    await open(page, `${url}/brokers/0`, 'broker-configs');
    assert.match(await page.locator('[data-config="num.partitions"]').innerText(), /num\.partitions/);

    // Topics: the list, one topic's partitions and configs.
    await open(page, `${url}/topics`, 'topics');
    assert.match(await page.locator('[data-testid="topics"] tr[data-topic="orders"]').innerText(), /orders\s+3\s+1\s+0\s+15/);
    await open(page, `${url}/topics/orders`, 'topic');
    assert.equal(await page.locator('[data-testid="partitions"] tbody tr').count(), 3);
    assert.match(await page.locator('[data-testid="partitions"] tr[data-partition="2"]').innerText(), /^2\s+0\s+0\s+0\s+0\s+6\s+6/);
    await open(page, `${url}/topics/audit`, 'topic-configs');
    assert.match(await page.locator('[data-config="retention.ms"]').innerText(), /3600000\s+DYNAMIC_TOPIC_CONFIG/);

    // A record produced now is in the message browser (deep link, from the end), JSON pretty-printed.
    const probe = `probe-${Date.now()}`;
    await producer.send({ topic: 'orders', messages: [{ partition: 1, key: probe, value: JSON.stringify({ probe, nested: { ok: true } }), headers: { trace: 'abc' } }] });
    await open(page, `${url}/topics/orders/messages?from=end&partition=1`, 'messages');
    const row = page.locator('table.records tr', { hasText: probe });
    assert.equal(await row.count(), 1);
    assert.match(await row.locator('pre.json').innerText(), /"nested": \{\n\s+"ok": true/);
    assert.match(await row.innerText(), /trace: abc/);
    // Filters, and binary values as hex.
    await open(page, `${url}/topics/orders/messages?from=start&key=customer-3`, 'messages-filtered');
    assert.equal(await page.locator('table.records tbody tr').count(), 3);
    await open(page, `${url}/topics/audit/messages?from=start`, 'messages-binary');
    assert.equal(await page.locator('code.hex', { hasText: '00 01 02 fe ff' }).count(), 1);

    // Groups: the lag shown is the CLI's, per partition and in total.
    const before = await describe(b, 'billing');
    await open(page, `${url}/groups`, 'groups');
    assert.equal(await page.locator('[data-testid="groups"] tr[data-group="billing"] [data-testid="lag"]').innerText(), String(before.totalLag));
    await open(page, `${url}/groups/billing`, 'group');
    assert.equal(await page.getByTestId('card-total-lag').innerText(), String(before.totalLag));
    for (const p of before.partitions) {
      assert.equal(await page.locator(`[data-testid="offsets"] tr[data-topic="${p.topic}"][data-partition="${p.partition}"]`).getAttribute('data-lag'), String(p.lag), `lag of ${p.topic}/${p.partition}`);
    }
    assert.deepEqual(before.partitions.map((p) => p.lag), [3, 1, 4]);

    // An offset reset through the console: preview, then execute; the group moves.
    await page.locator('[data-testid="reset"] select[name="to"]').selectOption('offset');
    await page.locator('[data-testid="reset"] input[name="value"]').fill('2');
    await page.locator('[data-testid="reset"] button[type="submit"]').click();
    await page.waitForSelector('[data-testid="reset-execute"]');
    assert.match(await page.getByTestId('reset-preview').innerText(), /Preview/);
    assert.deepEqual((await describe(b, 'billing')).partitions.map((p) => p.currentOffset), [1, 5, 2], 'a preview changes nothing');
    await page.screenshot({ path: join(SHOTS, 'group-reset-preview.png'), fullPage: true });
    await page.getByTestId('reset-execute').click();
    await page.waitForSelector('.notice.ok');
    const after = await describe(b, 'billing');
    assert.deepEqual(after.partitions.map((p) => p.currentOffset), [2, 2, 2]);
    await page.waitForFunction((lag) => document.querySelector('[data-testid="card-total-lag"]')?.textContent === lag, String(after.totalLag), { timeout: 10_000 });
    await page.screenshot({ path: join(SHOTS, 'group-after-reset.png'), fullPage: true });

    // Creating a topic through the console.
    await open(page, `${url}/topics`, 'topics-before-create');
    await page.locator('[data-testid="create-topic"] input[name="name"]').fill('from-console');
    await page.locator('[data-testid="create-topic"] input[name="partitions"]').fill('2');
    await page.locator('[data-testid="create-topic"] button[type="submit"]').click();
    await page.waitForURL(/\/topics\/from-console$/);
    await page.waitForSelector('[data-testid="partitions"] tr[data-partition="1"]');
    t.diagnostic(`screenshots in ${SHOTS}`);
  } finally {
    await browser?.close();
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await b.stop();
  }
});

test('console.read.only: the console shows everything and changes nothing', { timeout: 60_000 }, async () => {
  const b = await startBroker({ 'console.read.only': 'true' });
  let browser: Browser | undefined;
  try {
    const url = b.adminUrl!;
    const res = await fetch(`${url}/api/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x' }) });
    assert.equal(res.status, 403);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    const page = await browser.newPage();
    await open(page, `${url}/topics`, 'topics-read-only');
    assert.equal(await page.getByTestId('read-only').count(), 1);
    assert.equal(await page.getByTestId('create-topic').count(), 0);
  } finally {
    await browser?.close();
    await b.stop();
  }
});

test('writes from another site are refused', async () => {
  const b = await startBroker();
  try {
    const url = b.adminUrl!;
    // A page elsewhere can send a form post (no preflight) but not set a JSON content type.
    const form = await fetch(`${url}/api/topics`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"name":"x"}' });
    assert.equal(form.status, 415);
    const other = await fetch(`${url}/api/topics`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: '{"name":"x"}' });
    assert.equal(other.status, 403);
  } finally {
    await b.stop();
  }
});
