/**
 * Child process for crash.test.ts: appends continuously to the log in argv[2] and reports every
 * acknowledged append on stdout as "ack <base> <last> <seed> <count> <valueSize>". Does nothing
 * when run without arguments (node --test also picks up files under test/).
 */
import { writeSync } from 'node:fs';
import { Log } from '../../src/storage/index.js';
import { seededBatch } from './helpers.js';

const dir = process.argv[2];
if (dir !== undefined) {
  let seed = Number(process.argv[3] ?? 0);
  const log = Log.open({
    dir,
    topic: 'crash',
    partition: 0,
    config: { 'segment.bytes': 256 * 1024, 'index.interval.bytes': 1024, 'file.delete.delay.ms': 0 },
  });
  writeSync(1, `ready ${log.logEndOffset}\n`);
  for (;;) {
    const count = 1 + (seed % 5);
    const size = 50 + ((seed * 7919) % 1500);
    const r = log.append(seededBatch(seed, count, size), { leaderEpoch: 1 + Math.floor(seed / 1_000_000) });
    writeSync(1, `ack ${r.baseOffset} ${r.lastOffset} ${seed} ${count} ${size}\n`);
    seed++;
  }
}
