// AlterClientQuotas (key 49), v0-1: sets or removes quotas of user / client-id entities.
import { api, f } from '../schema.js';

export const AlterClientQuotas = api({
  key: 49,
  name: 'AlterClientQuotas',
  versions: '0-1',
  flexible: '1+',
  request: {
    entries: f.structs('0+', 'EntryData', {
      entity: f.structs('0+', 'EntityData', {
        entityType: f.string('0+'),
        entityName: f.string('0+', { nullable: '0+' }),
      }),
      ops: f.structs('0+', 'OpData', {
        key: f.string('0+'),
        value: f.float64('0+'),
        remove: f.bool('0+'),
      }),
    }),
    validateOnly: f.bool('0+'),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    entries: f.structs('0+', 'EntryData', {
      errorCode: f.int16('0+'),
      errorMessage: f.string('0+', { nullable: '0+' }),
      entity: f.structs('0+', 'EntityData', {
        entityType: f.string('0+'),
        entityName: f.string('0+', { nullable: '0+' }),
      }),
    }),
  },
});
