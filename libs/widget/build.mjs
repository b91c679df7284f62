// Bundles the widget into one minified IIFE (dist/widget.js) and fails when it outgrows its budget.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const MAX_GZIP_BYTES = 40 * 1024;
const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, 'dist', 'widget.js');

await build({
  entryPoints: [join(here, 'src', 'index.ts')],
  outfile,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2018',
  minify: true,
  legalComments: 'none',
  sourcemap: false,
  tsconfig: join(here, 'tsconfig.json'),
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});

const code = readFileSync(outfile);
const gzipped = gzipSync(code, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`dist/widget.js: ${kb(code.length)} raw, ${kb(gzipped)} gzipped (budget ${kb(MAX_GZIP_BYTES)})`);
if (gzipped > MAX_GZIP_BYTES) {
  console.error(`widget.js is ${kb(gzipped - MAX_GZIP_BYTES)} over the gzipped budget`);
  process.exit(1);
}
