import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseToolVersions, toolProblems, toolVersions } from '../tool-versions.mjs';

const ROOT = join(import.meta.dirname, '..', '..');

test('one file names every tool version, and the wasm-bindgen crate is pinned to the same', () => {
  const v = toolVersions();
  for (const key of ['WASM_BINDGEN_VERSION', 'TRUNK_VERSION', 'WASM_SPLIT_VERSION', 'LEPTOSFMT_VERSION']) {
    assert.match(v[key] ?? '', /^\d+\.\d+\.\d+$/, key);
  }
  const pin = /^wasm-bindgen = "=([^"]+)"$/m.exec(readFileSync(join(ROOT, 'Cargo.toml'), 'utf8'))?.[1];
  assert.equal(pin, v.WASM_BINDGEN_VERSION, 'Cargo.toml pins wasm-bindgen to the CLI version');
  // setup.sh installs from the file and names no version of its own.
  const setup = readFileSync(join(ROOT, 'scripts/setup.sh'), 'utf8');
  assert.match(setup, /^source scripts\/tool-versions\.env$/m);
  assert.doesNotMatch(setup, /^[A-Z_]+_VERSION=/m);
});

test('the file format and the problems the build reports', () => {
  assert.deepEqual(parseToolVersions('# c\n\nA_VERSION=1.2.3\n'), { A_VERSION: '1.2.3' });
  assert.throws(() => parseToolVersions('A_VERSION = 1'), /cannot read the line/);
  const want = { WASM_BINDGEN_VERSION: '0.2.1', WASM_SPLIT_VERSION: '0.3.0' };
  assert.deepEqual(toolProblems(want, { wasmBindgen: 'wasm-bindgen 0.2.1', wasmSplit: '0.3.0' }), []);
  assert.deepEqual(toolProblems(want, { wasmBindgen: 'wasm-bindgen 0.2.2' }), [
    'wasm-bindgen 0.2.1 is needed; found wasm-bindgen 0.2.2',
    'wasm-split-cli 0.3.0 is needed; found none',
  ]);
});
