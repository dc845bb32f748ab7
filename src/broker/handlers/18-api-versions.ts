// ApiVersions: v0-4. Behaviour: ranges come from the registered handlers, so they never lie.
// An unknown version is answered in v0 by the dispatcher (KIP-511).
import { ApiVersions } from '../../protocol/messages/index.js';
import { defineHandler } from '../handler.js';

export const apiVersionsHandler = defineHandler(ApiVersions, { min: 0, max: 4 }, (ctx) => ({
  errorCode: 0,
  apiKeys: ctx.apiVersions(),
  throttleTimeMs: 0,
  supportedFeatures: [],
  finalizedFeaturesEpoch: -1,
  finalizedFeatures: [],
  zkMigrationReady: false,
}));
