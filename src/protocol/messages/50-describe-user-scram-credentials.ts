// DescribeUserScramCredentials (key 50), v0: the SCRAM mechanisms and iterations of users.
import { api, f } from '../schema.js';

export const DescribeUserScramCredentials = api({
  key: 50,
  name: 'DescribeUserScramCredentials',
  versions: '0',
  flexible: '0+',
  request: {
    /** null or empty: every user. */
    users: f.structs('0+', 'UserName', { name: f.string('0+') }, { nullable: '0+' }),
  },
  response: {
    throttleTimeMs: f.int32('0+'),
    errorCode: f.int16('0+'),
    errorMessage: f.string('0+', { nullable: '0+' }),
    results: f.structs('0+', 'DescribeUserScramCredentialsResult', {
      user: f.string('0+'),
      errorCode: f.int16('0+'),
      errorMessage: f.string('0+', { nullable: '0+' }),
      credentialInfos: f.structs('0+', 'CredentialInfo', {
        /** 1 SCRAM-SHA-256, 2 SCRAM-SHA-512. */
        mechanism: f.int8('0+'),
        iterations: f.int32('0+'),
      }),
    }),
  },
});
