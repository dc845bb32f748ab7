// AlterUserScramCredentials (key 51), v0: upserts and deletes SCRAM credentials; the client
// salts the password, the broker keeps only the derived keys.
import { api, f } from '../schema.js';

export const AlterUserScramCredentials = api({
  key: 51,
  name: 'AlterUserScramCredentials',
  versions: '0',
  flexible: '0+',
  request: {
    deletions: f.structs('0+', 'ScramCredentialDeletion', {
      name: f.string('0+'),
      mechanism: f.int8('0+'),
    }),
    upsertions: f.structs('0+', 'ScramCredentialUpsertion', {
      name: f.string('0+'),
      mechanism: f.int8('0+'),
      iterations: f.int32('0+'),
      salt: f.bytes('0+'),
      saltedPassword: f.bytes('0+'),
    }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    results: f.structs('0+', 'AlterUserScramCredentialsResult', {
      user: f.string('0+'),
      errorCode: f.int16('0+'),
      errorMessage: f.string('0+', { nullable: '0+' }),
    }),
  },
});
