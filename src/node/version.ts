import { readFileSync } from 'node:fs';

/** package.json's version, read once (two folders up from dist/src/node/ and from dist/src/cli/'s bundle). */
export const SAMSA_VERSION: string = (() => {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'samsa' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not there: the next candidate
    }
  }
  return 'unknown';
})();
