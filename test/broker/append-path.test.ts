// The one append path for client records: exactly one batch per partition and no control batch
// (Kafka's LogValidator), an uncompressed batch's record count matching the records it holds.
// Refused payloads leave the log unchanged.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../helpers/broker-process.js';
import { WireClient, createTopic, listOffsets, produceBatch, readAll } from '../helpers/wire-client.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { LAST_OFFSET_DELTA, RECORD_COUNT, computeBatchCrc } from '../../src/record/batch-header.js';
import { buildBatch, buildControlBatch } from '../../src/record/builder.js';
import { ControlType } from '../../src/record/records.js';

describe('append path', () => {
  let broker: BrokerProcess;
  let c: WireClient;
  before(async () => {
    broker = await BrokerProcess.start();
    c = await WireClient.connect(broker.bootstrap);
    assert.equal(await createTopic(c, 'ap', 1), 0);
    assert.equal((await produceBatch(c, 'ap', 0, buildBatch([{ key: 'k', value: 'first' }]))).errorCode, 0);
  });
  after(() => {
    c?.close();
    broker?.cleanup();
  });

  async function refused(records: Buffer, code: number) {
    const before = await listOffsets(c, 'ap', [0]);
    const r = await produceBatch(c, 'ap', 0, records);
    assert.equal(r.errorCode, code, r.errorMessage ?? '');
    assert.deepEqual(await listOffsets(c, 'ap', [0]), before, 'log end unchanged');
    assert.deepEqual((await readAll(c, 'ap', 0)).map((x) => x.value), ['first']);
    assert.equal(c.closed, false);
  }

  test('[normal, control] is INVALID_RECORD and nothing is stored', async () => {
    const control = buildControlBatch({ type: ControlType.COMMIT, producerId: 1, producerEpoch: 0, coordinatorEpoch: 0 });
    await refused(Buffer.concat([buildBatch([{ key: 'k', value: 'x' }]), control]), ErrorCode.INVALID_RECORD);
    await refused(control, ErrorCode.INVALID_RECORD);
  });

  test('[normal, normal] is INVALID_RECORD and nothing is stored', async () => {
    await refused(Buffer.concat([buildBatch([{ key: 'k', value: 'x' }]), buildBatch([{ key: 'k', value: 'y' }])]), ErrorCode.INVALID_RECORD);
  });

  test('a batch whose header claims 2^31-1 records in a few bytes is CORRUPT_MESSAGE', async () => {
    const b = buildBatch([{ key: 'k', value: 'x' }]);
    b.writeInt32BE(0x7fffffff, RECORD_COUNT);
    b.writeInt32BE(0x7ffffffe, LAST_OFFSET_DELTA);
    b.writeUInt32BE(computeBatchCrc(b), 17);
    await refused(b, ErrorCode.CORRUPT_MESSAGE);
    // Three in a row can never move the log end offset either.
    for (let i = 0; i < 3; i++) await refused(b, ErrorCode.CORRUPT_MESSAGE);
    assert.equal((await produceBatch(c, 'ap', 0, buildBatch([{ key: 'k', value: 'still fine' }]))).baseOffset, 1);
  });
});
