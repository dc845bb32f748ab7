// DeleteGroups (key 42), v0-2: deletes empty consumer groups.
import { api, f } from '../schema.js';

export const DeleteGroups = api({
  key: 42,
  name: 'DeleteGroups',
  versions: '0-2',
  flexible: '2+',
  request: {
    groupsNames: f.array('0+', 'string'),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    results: f.structs('0+', 'DeletableGroupResult', {
      groupId: f.string('0+'),
      errorCode: f.int16('0+'),
    }),
  },
});
