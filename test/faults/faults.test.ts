// The fault suite's short run inside `npm test` (the long runs: `npm run faults`): 3 brokers in
// network namespaces under 25 s of seeded faults, judged by the history checker; and the checker
// itself on made-up histories, where each kind of broken promise must be reported. The short run
// leaves out the consume-transform-produce loop to stay short (its 20,000 inputs are written
// before the faults); the long runs have it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { zookeeperAvailable } from '../helpers/zookeeper-process.js';
import { check, type Ack, type History } from './checker.js';
import { netnsAvailable } from './netns.js';
import { runFaults } from './run.js';

const ack = (v: string, p: number, o: number, t: number, idempotent = true): Ack => ({ producer: v[0]!, idempotent, p, o, v, t });

describe('history checker', () => {
  const base: History = {
    acks: [ack('iv-0', 0, 0, 1000), ack('iv-1', 0, 1, 1100), ack('nv-0', 1, 0, 1200, false)],
    failed: 0,
    consumed: [{ p: 0, o: 0, v: 'iv-0', c: true, t: 1300 }, { p: 0, o: 1, v: 'iv-1', c: true, t: 1400 }, { p: 1, o: 0, v: 'nv-0', c: true, t: 1450 }],
    stored: [{ p: 0, o: 0, v: 'iv-0' }, { p: 0, o: 1, v: 'iv-1' }, { p: 1, o: 0, v: 'nv-0' }, { p: 1, o: 1, v: 'nv-0' }],
    startedAt: 900,
    endedAt: 2000,
  };

  test('a clean history has no anomaly; a plain producer\'s retried duplicate is none either', () => {
    const r = check(base);
    assert.equal(r.anomalies, 0, JSON.stringify(r));
    assert.deepEqual(r.longestUnavailableMs, { 0: 900, 1: 800 });
  });

  test('each broken promise is reported', () => {
    const lost = check({ ...base, stored: base.stored.filter((s) => s.v !== 'iv-1') });
    assert.match(lost.lost.join(), /iv-1 acknowledged at 0\/1, not stored/);
    const moved = check({ ...base, stored: [{ p: 0, o: 0, v: 'iv-0' }, { p: 0, o: 1, v: 'x' }, { p: 0, o: 2, v: 'iv-1' }, { p: 1, o: 0, v: 'nv-0' }] });
    assert.match(moved.lost.join(), /iv-1 acknowledged at 0\/1, stored at offsets 2/);
    const dup = check({ ...base, stored: [...base.stored, { p: 0, o: 2, v: 'iv-0' }] });
    assert.match(dup.duplicated.join(), /iv-0 stored at offsets 0,2/);
    // Under another producer epoch the copy is a resend idempotence does not cover: counted, not an anomaly.
    const resent = check({ ...base, stored: [{ ...base.stored[0]!, pid: 7, epoch: 0 }, ...base.stored.slice(1), { p: 0, o: 2, v: 'iv-0', pid: 7, epoch: 1 }] });
    assert.deepEqual({ duplicated: resent.duplicated, resent: resent.resentAcrossSessions, anomalies: resent.anomalies }, { duplicated: [], resent: 1, anomalies: 0 });
    const hole = check({ ...base, stored: [...base.stored, { p: 0, o: 5, v: 'iv-9' }] });
    assert.match(hole.offsetHoles.join(), /partition 0: 1 then 5/);
    const phantom = check({ ...base, consumed: [...base.consumed, { p: 0, o: 2, v: 'ghost', c: false, t: 1500 }] });
    assert.match(phantom.phantomReads.join(), /ghost read at 0\/2/);
    const reread = check({ ...base, consumed: [...base.consumed, { p: 0, o: 0, v: 'iv-0', c: false, t: 1600 }] });
    assert.match(reread.committedRereads.join(), /0\/0 read after offset 2 was committed/);
    const stalled = check({ ...base, consumed: base.consumed.slice(0, 1) });
    assert.deepEqual(stalled.unconsumed, ['iv-1 (acknowledged at 0/1) was never read by the group', 'nv-0 (acknowledged at 1/0) was never read by the group']);
    const txns = [{ txn: 0, size: 2, outcome: 'committed' as const }, { txn: 1, size: 2, outcome: 'aborted' as const }, { txn: 2, size: 2, outcome: 'unknown' as const }];
    const whole = [{ p: 0, o: 0, v: 't0-0' }, { p: 1, o: 0, v: 't0-1' }];
    assert.equal(check({ ...base, txns, txnStored: whole }).anomalies, 0, 'an unanswered commit may be absent');
    assert.equal(check({ ...base, txns, txnStored: [...whole, { p: 0, o: 1, v: 't2-0' }, { p: 1, o: 1, v: 't2-1' }] }).anomalies, 0, 'or whole');
    const aborted = check({ ...base, txns, txnStored: [...whole, { p: 0, o: 1, v: 't1-0' }] });
    assert.match(aborted.transactionAnomalies.join(), /t1 was aborted, read_committed shows 1 of its records/);
    const partial = check({ ...base, txns, txnStored: [whole[0]!, { p: 0, o: 1, v: 't2-0' }] });
    assert.match(partial.transactionAnomalies.join(), /t0 was committed, read_committed shows 1 records of 2/);
    assert.match(partial.transactionAnomalies.join(), /t2 \(commit unanswered\) is partly visible/);
    const eosOk = check({ ...base, eos: { inputs: 2, outputs: ['out-e-1', 'out-e-0'] } });
    assert.equal(eosOk.anomalies, 0);
    const eosBad = check({ ...base, eos: { inputs: 3, outputs: ['out-e-0', 'out-e-0', 'out-e-1', 'out-e-7'] } });
    assert.deepEqual(eosBad.exactlyOnceAnomalies, ['input e-0 is in the output 2 times', 'input e-2 is in the output 0 times', 'out-e-7 in the output comes from no input']);
    for (const r of [lost, moved, dup, hole, phantom, reread, stalled, aborted, partial, eosBad]) assert.ok(r.anomalies > 0);
  });
});

const missing = netnsAvailable() ?? (zookeeperAvailable() ? null : 'Debian zookeeper not installed');
describe('fault run', { skip: missing ?? false, timeout: 300_000 }, () => {
  test('seed 7, 25 s: kills, pauses and partitions; nothing acknowledged lost, no anomaly', async () => {
    const r = await runFaults({ seed: 7, seconds: 25, exactlyOnceLoop: false });
    assert.ok(r.faults.length >= 2, `faults: ${r.faults.join(', ')}`);
    assert.ok(r.acknowledged > 1000, `${r.acknowledged} acknowledged`);
    assert.ok(r.transactions.committed > 5, `transactions ${JSON.stringify(r.transactions)}`);
    assert.deepEqual({ lost: r.lost, duplicated: r.duplicated, offsetHoles: r.offsetHoles, phantomReads: r.phantomReads, committedRereads: r.committedRereads, unconsumed: r.unconsumed, transactions: r.transactionAnomalies, exactlyOnce: r.exactlyOnceAnomalies }, { lost: [], duplicated: [], offsetHoles: [], phantomReads: [], committedRereads: [], unconsumed: [], transactions: [], exactlyOnce: [] }, `history in ${r.outDir}`);
  });
});
