// AddOffsetsToTxn (key 25), v0-4: adds a group's offsets topic to an ongoing transaction.
import { api, f } from '../schema.js';

export const AddOffsetsToTxn = api({
  key: 25,
  name: 'AddOffsetsToTxn',
  versions: '0-4',
  flexible: '3+',
  request: {
    transactionalId: f.string('0+'),
    producerId: f.int64('0+'),
    producerEpoch: f.int16('0+'),
    groupId: f.string('0+'),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    errorCode: f.int16('0+'),
  },
});
