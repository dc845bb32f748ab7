// Bundles the broker's start path into one module (dist/src/cli/start.bundle.js): Node then
// loads one file instead of ~140, which takes a third off the time from process start to the
// first acknowledged produce. Native addons stay external. Run after tsc (npm run build does).
// Also builds the web console (src/console/web/ → dist/src/console/static/): its script bundled
// for the browser, its page and stylesheet copied; nothing is loaded from elsewhere at run time.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(dist, 'src', 'cli');
const web = join(dist, '..', 'src', 'console', 'web');
const staticDir = join(dist, 'src', 'console', 'static');

mkdirSync(staticDir, { recursive: true });
await build({
  entryPoints: [join(web, 'main.ts')],
  outfile: join(staticDir, 'app.js'),
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
for (const f of ['index.html', 'app.css']) copyFileSync(join(web, f), join(staticDir, f));

await build({
  entryPoints: [join(cli, 'start.js')],
  outfile: join(cli, 'start.bundle.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['@node-rs/crc32', 'snappy', 'lz4-napi', 'zstd-napi'],
  // CommonJS dependencies inside an ES module bundle still call require().
  banner: { js: "import { createRequire as __samsaRequire } from 'node:module'; const require = __samsaRequire(import.meta.url);" },
  logLevel: 'warning',
});
