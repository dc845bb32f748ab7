// IncrementalAlterConfigs (key 44), v0-1: sets, deletes, appends or subtracts individual config entries.
import { api, f } from '../schema.js';

export const IncrementalAlterConfigs = api({
  key: 44,
  name: 'IncrementalAlterConfigs',
  versions: '0-1',
  flexible: '1+',
  request: {
    resources: f.structs('0+', 'AlterConfigsResource', {
      resourceType: f.int8('0+'),
      resourceName: f.string('0+'),
      configs: f.structs('0+', 'AlterableConfig', {
        name: f.string('0+'),
        configOperation: f.int8('0+'),
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
