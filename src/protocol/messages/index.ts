import type { ApiSpec } from '../schema.js';
import * as definitions from './all.js';

export * from './all.js';

/** Every API definition, by key order. */
export const ALL_APIS: readonly ApiSpec[] = (Object.values(definitions) as ApiSpec[]).sort((a, b) => a.key - b.key);

const byKey = new Map<number, ApiSpec>(ALL_APIS.map((a) => [a.key, a]));

export function apiByKey(key: number): ApiSpec | undefined {
  return byKey.get(key);
}
