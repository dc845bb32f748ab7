// ListGroups (key 16), v0-5: lists the groups a coordinator knows.
import { api, f } from '../schema.js';

export const ListGroups = api({
  key: 16,
  name: 'ListGroups',
  versions: '0-5',
  flexible: '3+',
  request: {
    statesFilter: f.array('4+', 'string'),
    typesFilter: f.array('5+', 'string'),
  },
  response: {
    throttleTimeMs: f.int32('1+'),
    errorCode: f.int16('0+'),
    groups: f.structs('0+', 'ListedGroup', {
      groupId: f.string('0+'),
      protocolType: f.string('0+'),
      groupState: f.string('4+'),
      groupType: f.string('5+'),
    }),
  },
});
