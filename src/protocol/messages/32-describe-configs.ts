// DescribeConfigs (key 32), v0-4: reads topic and broker configs.
import { api, f } from '../schema.js';

export const DescribeConfigs = api({
  key: 32,
  name: 'DescribeConfigs',
  versions: '0-4',
  flexible: '4+',
  request: {
    resources: f.structs('0+', 'DescribeConfigsResource', {
      resourceType: f.int8('0+'),
      resourceName: f.string('0+'),
      configurationKeys: f.array('0+', 'string', { nullable: '0+' }),
    }),
    includeSynonyms: f.bool('1+', { default: false }),
    includeDocumentation: f.bool('3+', { default: false }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    results: f.structs('0+', 'DescribeConfigsResult', {
      errorCode: f.int16('0+'),
      errorMessage: f.string('0+', { nullable: '0+' }),
      resourceType: f.int8('0+'),
      resourceName: f.string('0+'),
      configs: f.structs('0+', 'DescribeConfigsResourceResult', {
        name: f.string('0+'),
        value: f.string('0+', { nullable: '0+' }),
        readOnly: f.bool('0+'),
        isDefault: f.bool('0'),
        configSource: f.int8('1+', { default: -1 }),
        isSensitive: f.bool('0+'),
        synonyms: f.structs('1+', 'DescribeConfigsSynonym', {
          name: f.string('1+'),
          value: f.string('1+', { nullable: '0+' }),
          source: f.int8('1+'),
        }),
        configType: f.int8('3+', { default: 0 }),
        documentation: f.string('3+', { nullable: '0+' }),
      }),
    }),
  },
});
