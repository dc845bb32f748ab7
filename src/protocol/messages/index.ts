import type { ApiSpec } from '../schema.js';
import { Metadata } from './03-metadata.js';
import { ApiVersions } from './18-api-versions.js';

export { Metadata, ApiVersions };

/** Every API definition, by key. */
export const ALL_APIS: readonly ApiSpec[] = [Metadata, ApiVersions];

const byKey = new Map<number, ApiSpec>(ALL_APIS.map((a) => [a.key, a]));

export function apiByKey(key: number): ApiSpec | undefined {
  return byKey.get(key);
}
