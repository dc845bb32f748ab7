// DeleteAcls (key 31), v0-3: deletes ACL bindings matching filters.
import { api, f } from '../schema.js';

export const DeleteAcls = api({
  key: 31,
  name: 'DeleteAcls',
  versions: '0-3',
  flexible: '2+',
  request: {
    filters: f.structs('0+', 'DeleteAclsFilter', {
      resourceTypeFilter: f.int8('0+'),
      resourceNameFilter: f.string('0+', { nullable: '0+' }),
      patternTypeFilter: f.int8('1+', { default: 3 }),
      principalFilter: f.string('0+', { nullable: '0+' }),
      hostFilter: f.string('0+', { nullable: '0+' }),
      operation: f.int8('0+'),
      permissionType: f.int8('0+'),
    }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    filterResults: f.structs('0+', 'DeleteAclsFilterResult', {
      errorCode: f.int16('0+'),
      errorMessage: f.string('0+', { nullable: '0+' }),
      matchingAcls: f.structs('0+', 'DeleteAclsMatchingAcl', {
        errorCode: f.int16('0+'),
        errorMessage: f.string('0+', { nullable: '0+' }),
        resourceType: f.int8('0+'),
        resourceName: f.string('0+'),
        patternType: f.int8('1+', { default: 3 }),
        principal: f.string('0+'),
        host: f.string('0+'),
        operation: f.int8('0+'),
        permissionType: f.int8('0+'),
      }),
    }),
  },
});
