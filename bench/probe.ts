// Cold-start probes shared by the startup benchmarks: wait for a broker to accept, then time one
// acknowledged produce on the first connection (no client library back-off in the figure).
import { connect } from 'node:net';
import { decodeResponse, encodeRequest } from '../src/protocol/frame.js';
import { Produce } from '../src/protocol/messages/index.js';
import { buildBatch } from '../src/record/builder.js';

export function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Polls every 2 ms until a TCP connect succeeds, `alive()` turns false, or the deadline passes. */
export async function waitAccepting(port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) throw new Error('broker exited before accepting connections');
    if (await tryConnect(port)) return;
    if (Date.now() > deadline) throw new Error(`broker not accepting connections within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** One Produce (acks=1) to a topic the broker auto-creates; resolves with the partition's error code. */
export function firstProduce(port: number, topic = 'startup'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let got = Buffer.alloc(0);
    s.once('error', reject);
    s.once('connect', () => {
      s.write(encodeRequest(Produce, { apiKey: 0, apiVersion: 7, correlationId: 1, clientId: 'startup-probe' }, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records: buildBatch([{ key: 'k', value: 'first' }]) }] }],
      }));
    });
    s.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < 4 || got.length < 4 + got.readInt32BE(0)) return;
      s.destroy();
      const { body } = decodeResponse(Produce, 7, got.subarray(4, 4 + got.readInt32BE(0)));
      resolve(body.responses[0]!.partitionResponses[0]!.errorCode);
    });
  });
}
