// CreateAcls (key 30), v0-3: creates ACL bindings.
import { api, f } from '../schema.js';

export const CreateAcls = api({
  key: 30,
  name: 'CreateAcls',
  versions: '0-3',
  flexible: '2+',
  request: {
    creations: f.structs('0+', 'AclCreation', {
      resourceType: f.int8('0+'),
      resourceName: f.string('0+'),
      resourcePatternType: f.int8('1+', { default: 3 }),
      principal: f.string('0+'),
      host: f.string('0+'),
      operation: f.int8('0+'),
      permissionType: f.int8('0+'),
    }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    results: f.structs('0+', 'AclCreationResult', {
      errorCode: f.int16('0+'),
      errorMessage: f.string('0+', { nullable: '0+' }),
    }),
  },
});
