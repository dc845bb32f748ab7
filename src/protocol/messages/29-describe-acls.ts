// DescribeAcls (key 29), v0-3: lists ACL bindings matching a filter.
import { api, f } from '../schema.js';

export const DescribeAcls = api({
  key: 29,
  name: 'DescribeAcls',
  versions: '0-3',
  flexible: '2+',
  request: {
    resourceTypeFilter: f.int8('0+'),
    resourceNameFilter: f.string('0+', { nullable: '0+' }),
    patternTypeFilter: f.int8('1+', { default: 3 }),
    principalFilter: f.string('0+', { nullable: '0+' }),
    hostFilter: f.string('0+', { nullable: '0+' }),
    operation: f.int8('0+'),
    permissionType: f.int8('0+'),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    errorCode: f.int16('0+'),
    errorMessage: f.string('0+', { nullable: '0+' }),
    resources: f.structs('0+', 'DescribeAclsResource', {
      resourceType: f.int8('0+'),
      resourceName: f.string('0+'),
      patternType: f.int8('1+', { default: 3 }),
      acls: f.structs('0+', 'AclDescription', {
        principal: f.string('0+'),
        host: f.string('0+'),
        operation: f.int8('0+'),
        permissionType: f.int8('0+'),
      }),
    }),
  },
});
