// LeaveGroup (key 13), v0-5: removes members from a classic consumer group.
import { api, f } from '../schema.js';

export const LeaveGroup = api({
  key: 13,
  name: 'LeaveGroup',
  versions: '0-5',
  flexible: '4+',
  request: {
    groupId: f.string('0+'),
    memberId: f.string('0-2'),
    members: f.structs('3+', 'MemberIdentity', {
      memberId: f.string('3+'),
      groupInstanceId: f.string('3+', { nullable: '3+', default: null }),
      reason: f.string('5+', { nullable: '5+', default: null }),
    }),
  },
  response: {
    throttleTimeMs: f.int32('1+'),
    errorCode: f.int16('0+'),
    members: f.structs('3+', 'MemberResponse', {
      memberId: f.string('3+'),
      groupInstanceId: f.string('3+', { nullable: '3+' }),
      errorCode: f.int16('3+'),
    }),
  },
});
