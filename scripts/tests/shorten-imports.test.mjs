import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shortenImports } from '../shorten-imports.mjs';
import { TYPES, imports, module } from './wasm.mjs';

const GLUE = './app_bg.js';

function build(fields, glue) {
  const dir = mkdtempSync(join(tmpdir(), 'shorten-'));
  writeFileSync(join(dir, 'app_bg.wasm'), module(TYPES, imports(fields)));
  writeFileSync(join(dir, 'app.js'), glue);
  return dir;
}

test('the glue imports lose their hash suffixes in the module and in the JS, clashes numbered', () => {
  const dir = build(
    [[GLUE, '__wbg_body_5f971cbc6950ca4f'], [GLUE, '__wbg_body_0123456789abcdef'], ['wbg', '__wbg_log_aaaaaaaaaaaaaaaa'], [GLUE, '__wbindgen_throw']],
    `imports['${GLUE}'] = { __wbg_body_5f971cbc6950ca4f: a, __wbg_body_0123456789abcdef: b, __wbindgen_throw: c };`,
  );
  try {
    shortenImports(join(dir, 'app_bg.wasm'), join(dir, 'app.js'), GLUE);
    const names = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(join(dir, 'app_bg.wasm'))));
    assert.deepEqual(names.map((i) => `${i.module}.${i.name}`), [
      `${GLUE}.__wbg_body`, `${GLUE}.__wbg_body_2`,
      // Another module's imports and names without a hash are left alone.
      'wbg.__wbg_log_aaaaaaaaaaaaaaaa', `${GLUE}.__wbindgen_throw`,
    ]);
    assert.equal(readFileSync(join(dir, 'app.js'), 'utf8'),
      `imports['${GLUE}'] = { __wbg_body: a, __wbg_body_2: b, __wbindgen_throw: c };`);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a glue that names a shim other than once stops the build', () => {
  const dir = build([[GLUE, '__wbg_body_5f971cbc6950ca4f']], 'const x = {}; // __wbg_body_ renamed?');
  try {
    assert.throws(() => shortenImports(join(dir, 'app_bg.wasm'), join(dir, 'app.js'), GLUE), /appears 0 times in the glue/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
