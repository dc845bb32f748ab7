// JoinGroup (key 11), v0-9: joins a classic consumer group and elects a leader.
import { api, f } from '../schema.js';

export const JoinGroup = api({
  key: 11,
  name: 'JoinGroup',
  versions: '0-9',
  flexible: '6+',
  request: {
    groupId: f.string('0+'),
    sessionTimeoutMs: f.int32('0+'),
    rebalanceTimeoutMs: f.int32('1+', { default: -1 }),
    memberId: f.string('0+'),
    groupInstanceId: f.string('5+', { nullable: '5+', default: null }),
    protocolType: f.string('0+'),
    protocols: f.structs('0+', 'JoinGroupRequestProtocol', {
      name: f.string('0+'),
      metadata: f.bytes('0+'),
    }),
    reason: f.string('8+', { nullable: '8+', default: null }),
  },
  response: {
    throttleTimeMs: f.int32('2+'),
    errorCode: f.int16('0+'),
    generationId: f.int32('0+', { default: -1 }),
    protocolType: f.string('7+', { nullable: '7+', default: null }),
    protocolName: f.string('0+', { nullable: '7+' }),
    leader: f.string('0+'),
    skipAssignment: f.bool('9+', { default: false }),
    memberId: f.string('0+'),
    members: f.structs('0+', 'JoinGroupResponseMember', {
      memberId: f.string('0+'),
      groupInstanceId: f.string('5+', { nullable: '5+', default: null }),
      metadata: f.bytes('0+'),
    }),
  },
});
