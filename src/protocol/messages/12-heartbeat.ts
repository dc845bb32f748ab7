// Heartbeat (key 12), v0-4: keeps a classic group member alive between rebalances.
import { api, f } from '../schema.js';

export const Heartbeat = api({
  key: 12,
  name: 'Heartbeat',
  versions: '0-4',
  flexible: '4+',
  request: {
    groupId: f.string('0+'),
    generationId: f.int32('0+'),
    memberId: f.string('0+'),
    groupInstanceId: f.string('3+', { nullable: '3+', default: null }),
  },
  response: {
    throttleTimeMs: f.int32('1+'),
    errorCode: f.int16('0+'),
  },
});
