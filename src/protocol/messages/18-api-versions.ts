// ApiVersions (key 18), v0-4: the API versions and features the broker supports; its response header is always v0.
import { api, f } from '../schema.js';

/** ApiVersions (key 18). The response header is always v0, whatever the version (KIP-511). */
export const ApiVersions = api({
  key: 18,
  name: 'ApiVersions',
  versions: '0-4',
  flexible: '3+',
  request: {
    clientSoftwareName: f.string('3+'),
    clientSoftwareVersion: f.string('3+'),
  },
  response: {
    errorCode: f.int16('0+'),
    apiKeys: f.structs('0+', 'ApiVersion', {
      apiKey: f.int16('0+'),
      minVersion: f.int16('0+'),
      maxVersion: f.int16('0+'),
    }),
    throttleTimeMs: f.int32('1+'),
    supportedFeatures: f.structs('3+', 'SupportedFeatureKey', {
      name: f.string('3+'),
      minVersion: f.int16('3+'),
      maxVersion: f.int16('3+'),
    }, { tagged: '3+', tag: 0 }),
    finalizedFeaturesEpoch: f.int64('3+', { tagged: '3+', tag: 1, default: -1 }),
    finalizedFeatures: f.structs('3+', 'FinalizedFeatureKey', {
      name: f.string('3+'),
      maxVersionLevel: f.int16('3+'),
      minVersionLevel: f.int16('3+'),
    }, { tagged: '3+', tag: 2 }),
    zkMigrationReady: f.bool('3+', { tagged: '3+', tag: 3, default: false }),
  },
});
