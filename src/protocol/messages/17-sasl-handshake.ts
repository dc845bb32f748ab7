// SaslHandshake (key 17), v0-1: selects the SASL mechanism for a connection.
import { api, f } from '../schema.js';

export const SaslHandshake = api({
  key: 17,
  name: 'SaslHandshake',
  versions: '0-1',
  flexible: 'none',
  request: {
    mechanism: f.string('0+'),
  },
  response: {
    errorCode: f.int16('0+'),
    mechanisms: f.array('0+', 'string'),
  },
});
