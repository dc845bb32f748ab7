// FindCoordinator (key 10), v0-6: finds the group or transaction coordinator for a key.
import { api, f } from '../schema.js';

export const FindCoordinator = api({
  key: 10,
  name: 'FindCoordinator',
  versions: '0-6',
  flexible: '3+',
  request: {
    key: f.string('0-3'),
    keyType: f.int8('1+', { default: 0 }),
    coordinatorKeys: f.array('4+', 'string'),
  },
  response: {
    throttleTimeMs: f.int32('1+'),
    errorCode: f.int16('0-3'),
    errorMessage: f.string('1-3', { nullable: '1-3' }),
    nodeId: f.int32('0-3'),
    host: f.string('0-3'),
    port: f.int32('0-3'),
    coordinators: f.structs('4+', 'Coordinator', {
      key: f.string('4+'),
      nodeId: f.int32('4+'),
      host: f.string('4+'),
      port: f.int32('4+'),
      errorCode: f.int16('4+'),
      errorMessage: f.string('4+', { nullable: '4+' }),
    }),
  },
});
