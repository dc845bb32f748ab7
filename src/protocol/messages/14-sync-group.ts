// SyncGroup (key 14), v0-5: distributes the leader's partition assignment to the group's members.
import { api, f } from '../schema.js';

export const SyncGroup = api({
  key: 14,
  name: 'SyncGroup',
  versions: '0-5',
  flexible: '4+',
  request: {
    groupId: f.string('0+'),
    generationId: f.int32('0+'),
    memberId: f.string('0+'),
    groupInstanceId: f.string('3+', { nullable: '3+', default: null }),
    protocolType: f.string('5+', { nullable: '5+', default: null }),
    protocolName: f.string('5+', { nullable: '5+', default: null }),
    assignments: f.structs('0+', 'SyncGroupRequestAssignment', {
      memberId: f.string('0+'),
      assignment: f.bytes('0+'),
    }),
  },
  response: {
    throttleTimeMs: f.int32('1+'),
    errorCode: f.int16('0+'),
    protocolType: f.string('5+', { nullable: '5+', default: null }),
    protocolName: f.string('5+', { nullable: '5+', default: null }),
    assignment: f.bytes('0+'),
  },
});
