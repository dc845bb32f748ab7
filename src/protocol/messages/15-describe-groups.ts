// DescribeGroups (key 15), v0-5: describes classic groups: state, protocol, members.
import { api, f } from '../schema.js';

export const DescribeGroups = api({
  key: 15,
  name: 'DescribeGroups',
  versions: '0-5',
  flexible: '5+',
  request: {
    groups: f.array('0+', 'string'),
    includeAuthorizedOperations: f.bool('3+'),
  },
  response: {
    throttleTimeMs: f.int32('1+'),
    groups: f.structs('0+', 'DescribedGroup', {
      errorCode: f.int16('0+'),
      groupId: f.string('0+'),
      groupState: f.string('0+'),
      protocolType: f.string('0+'),
      protocolData: f.string('0+'),
      members: f.structs('0+', 'DescribedGroupMember', {
        memberId: f.string('0+'),
        groupInstanceId: f.string('4+', { nullable: '4+', default: null }),
        clientId: f.string('0+'),
        clientHost: f.string('0+'),
        memberMetadata: f.bytes('0+'),
        memberAssignment: f.bytes('0+'),
      }),
      authorizedOperations: f.int32('3+', { default: -2147483648 }),
    }),
  },
});
