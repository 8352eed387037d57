#!/usr/bin/env node
// Writes brotli (.br, quality 11) and gzip (.gz, level 9) siblings of the text and wasm files of a
// built app (default dist/) so the server can send them as they are (it prefers .br, then .gz,
// when the client accepts them). Files under 1 KB are skipped, and so is a sibling that would not
// be smaller than the original. Stale siblings of files that no longer exist are removed.
//   node scripts/precompress.mjs [dir]
import { readFileSync, writeFileSync, statSync, existsSync, unlinkSync } from 'node:fs';
import { extname } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { walk } from './walk.mjs';

const dir = process.argv[2] ?? 'dist';
// Binary files get brotli's generic mode, text files its text mode.
const BINARY = new Set(['.wasm', '.bundle']);
const EXTS = new Set([...BINARY, '.js', '.mjs', '.css', '.html', '.svg']);
const MIN = 1024;

let count = 0, raw = 0, br = 0, gz = 0;
for (const file of walk(dir)) {
  if (file.endsWith('.br') || file.endsWith('.gz')) {
    const orig = file.slice(0, -3);
    if (!existsSync(orig)) unlinkSync(file);
    continue;
  }
  if (!EXTS.has(extname(file))) continue;
  const data = readFileSync(file);
  for (const s of ['.br', '.gz']) if (existsSync(file + s)) unlinkSync(file + s);
  if (data.length < MIN) continue;
  const b = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_MODE]: BINARY.has(extname(file)) ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  const g = gzipSync(data, { level: 9 });
  if (b.length < data.length) writeFileSync(file + '.br', b);
  if (g.length < data.length) writeFileSync(file + '.gz', g);
  count++; raw += data.length; br += Math.min(b.length, data.length); gz += Math.min(g.length, data.length);
}
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`precompress: ${count} files in ${dir}/: ${kb(raw)} → brotli ${kb(br)}, gzip ${kb(gz)}`);
