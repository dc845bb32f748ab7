// SaslAuthenticate (key 36), v0-2: carries SASL authentication bytes.
import { api, f } from '../schema.js';

export const SaslAuthenticate = api({
  key: 36,
  name: 'SaslAuthenticate',
  versions: '0-2',
  flexible: '2+',
  request: {
    authBytes: f.bytes('0+'),
  },
  response: {
    errorCode: f.int16('0+'),
    errorMessage: f.string('0+', { nullable: '0+' }),
    authBytes: f.bytes('0+'),
    sessionLifetimeMs: f.int64('1+', { default: 0 }),
  },
});
