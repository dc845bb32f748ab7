// AlterConfigs (key 33), v0-2: replaces topic and broker configs as a whole.
import { api, f } from '../schema.js';

export const AlterConfigs = api({
  key: 33,
  name: 'AlterConfigs',
  versions: '0-2',
  flexible: '2+',
  request: {
    resources: f.structs('0+', 'AlterConfigsResource', {
      resourceType: f.int8('0+'),
      resourceName: f.string('0+'),
      configs: f.structs('0+', 'AlterableConfig', {
        name: f.string('0+'),
        value: f.string('0+', { nullable: '0+' }),
      }),
    }),
    validateOnly: f.bool('0+'),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    responses: f.structs('0+', 'AlterConfigsResourceResponse', {
      errorCode: f.int16('0+'),
      errorMessage: f.string('0+', { nullable: '0+' }),
      resourceType: f.int8('0+'),
      resourceName: f.string('0+'),
    }),
  },
});
