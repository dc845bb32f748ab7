// DescribeClientQuotas (key 48), v0-1: the quotas of the entities matching a filter.
import { api, f } from '../schema.js';

export const DescribeClientQuotas = api({
  key: 48,
  name: 'DescribeClientQuotas',
  versions: '0-1',
  flexible: '1+',
  request: {
    components: f.structs('0+', 'ComponentData', {
      entityType: f.string('0+'),
      /** 0 exact name, 1 default name, 2 any specified name. */
      matchType: f.int8('0+'),
      match: f.string('0+', { nullable: '0+' }),
    }),
    /** Exclude entities with entity types the filter does not name. */
    strict: f.bool('0+'),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    errorCode: f.int16('0+'),
    errorMessage: f.string('0+', { nullable: '0+' }),
    entries: f.structs('0+', 'EntryData', {
      entity: f.structs('0+', 'EntityData', {
        entityType: f.string('0+'),
        /** null: the default entity. */
        entityName: f.string('0+', { nullable: '0+' }),
      }),
      values: f.structs('0+', 'ValueData', {
        key: f.string('0+'),
        value: f.float64('0+'),
      }),
    }, { nullable: '0+' }),
  },
});
