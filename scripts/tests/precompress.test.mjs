import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

const SCRIPT = join(import.meta.dirname, '..', 'precompress.mjs');

test('siblings for large text and wasm files that decode to the original; small and stale ones go', () => {
  const dir = mkdtempSync(join(tmpdir(), 'precompress-'));
  try {
    mkdirSync(join(dir, 'app-0123'));
    const js = 'export const a = 1;\n'.repeat(200);
    writeFileSync(join(dir, 'app-0123', 'app.js'), js);
    writeFileSync(join(dir, 'small.css'), 'a{}');
    writeFileSync(join(dir, 'photo.png'), Buffer.alloc(4000));
    writeFileSync(join(dir, 'gone.js.br'), 'stale');
    execFileSync('node', [SCRIPT, dir], { stdio: 'pipe' });
    assert.equal(brotliDecompressSync(readFileSync(join(dir, 'app-0123', 'app.js.br'))).toString(), js);
    assert.equal(gunzipSync(readFileSync(join(dir, 'app-0123', 'app.js.gz'))).toString(), js);
    assert.ok(!existsSync(join(dir, 'small.css.br')), 'under 1 KB: not worth it');
    assert.ok(!existsSync(join(dir, 'photo.png.br')), 'not a type it compresses');
    assert.ok(!existsSync(join(dir, 'gone.js.br')), 'the sibling of a file that is gone');
  } finally {
    rmSync(dir, { recursive: true });
  }
});
