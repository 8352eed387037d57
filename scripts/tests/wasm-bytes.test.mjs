import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader, sections, stripCustomSections, uleb } from '../wasm-bytes.mjs';
import { TYPES, custom, imports, module } from './wasm.mjs';

test('uleb writes what Reader reads, across byte boundaries', () => {
  for (const n of [0, 1, 127, 128, 300, 16383, 16384, 2 ** 32 + 5]) {
    assert.equal(new Reader(uleb(n), 0).leb(), n);
  }
  assert.deepEqual([...uleb(624485)], [0xe5, 0x8e, 0x26]);
});

test('sections lists every section with its bounds', () => {
  const bytes = module(TYPES, custom('name', [1, 2, 3]), imports([['m', 'f']]));
  const found = [...sections(bytes)];
  assert.deepEqual(found.map((s) => s.id), [1, 0, 2]);
  assert.equal(found.at(-1).end, bytes.length);
  for (const s of found) assert.ok(s.start < s.body && s.body <= s.end);
});

test('stripCustomSections drops only custom sections, and the module stays valid', () => {
  const bytes = module(custom('producers', [9, 9]), TYPES, custom('name', new Array(500).fill(7)), imports([['m', 'f']]));
  const stripped = stripCustomSections(bytes);
  assert.deepEqual([...sections(stripped)].map((s) => s.id), [1, 2]);
  assert.ok(stripped.length < bytes.length - 500);
  assert.deepEqual(WebAssembly.Module.imports(new WebAssembly.Module(stripped)), [{ module: 'm', name: 'f', kind: 'function' }]);
});
