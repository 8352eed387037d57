// The view bundles, on a loader in the shape wasm-split-cli 0.2.4 writes (__wasm_split.js): its
// `makeLoad(fetcher, [chunks])` per chunk and per view, reduced to what the rewrite reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleViews } from '../view-bundles.mjs';

const fetcher = (file) => `() => {
    const src = fetch(new URL("./${file}.wasm", import.meta.url));
    return src;
}`;
const LOADER = `import { initSync } from "./app.js";
// Each load runs once; a view's chunks load before it.
function makeLoad(fetchModule, deps) {
    let done;
    return () => done ??= Promise.all(deps.map((d) => d())).then(async (parts) =>
        [...parts.flat(), [...new Uint8Array(await (await fetchModule()).arrayBuffer())]]);
}
function wrapAsyncCb(load) { return load; }
const __chunk_0 = makeLoad(${fetcher('chunk_0')}, []);
const __chunk_1 = makeLoad(${fetcher('chunk_1')}, []);
export const __wasm_split_load_logs = wrapAsyncCb(makeLoad(${fetcher('split_logs')}, [__chunk_0, __chunk_1]));
export const __wasm_split_load_ports = wrapAsyncCb(makeLoad(${fetcher('split_ports')}, [__chunk_1]));
`;
const PARTS = { split_logs: [1, 1, 1], chunk_0: [2, 2], chunk_1: [3, 3, 3, 3], split_ports: [4] };

function built() {
  const dir = mkdtempSync(join(tmpdir(), 'bundles-'));
  writeFileSync(join(dir, '__wasm_split.js'), LOADER);
  writeFileSync(join(dir, 'app.js'), 'export function initSync() {}\n');
  for (const [name, bytes] of Object.entries(PARTS)) writeFileSync(join(dir, `${name}.wasm`), Buffer.from(bytes));
  return dir;
}

test('each view gets one file of its module and chunks, and the loader takes its parts from it', async () => {
  const dir = built();
  const realFetch = globalThis.fetch;
  const fetched = [];
  // The loader's fetches, answered from the directory.
  globalThis.fetch = async (url) => {
    const file = new URL(url).pathname.split('/').pop();
    fetched.push(file);
    return new Response(readFileSync(join(dir, file)));
  };
  try {
    assert.deepEqual(bundleViews(dir), ['split_logs.bundle', 'split_ports.bundle']);
    assert.deepEqual([...readFileSync(join(dir, 'split_logs.bundle'))], [1, 1, 1, 2, 2, 3, 3, 3, 3]);
    const loader = await import(pathToFileURL(join(dir, '__wasm_split.js')).href);
    // Every part arrives whole and in the loader's order, from one download.
    assert.deepEqual(await loader.__wasm_split_load_logs(), [PARTS.chunk_0, PARTS.chunk_1, PARTS.split_logs]);
    assert.deepEqual(fetched, ['split_logs.bundle']);
    // A chunk loaded for another view is not taken again.
    assert.deepEqual(await loader.__wasm_split_load_ports(), [PARTS.chunk_1, PARTS.split_ports]);
    assert.deepEqual(fetched, ['split_logs.bundle', 'split_ports.bundle']);
  } finally {
    globalThis.fetch = realFetch;
    rmSync(dir, { recursive: true });
  }
});

test('a loader of another shape stops the build with a message naming the tool', () => {
  const dir = built();
  try {
    writeFileSync(join(dir, '__wasm_split.js'), 'import { initSync } from "./app.js";\nexport const load = () => fetch("./split_logs.wasm");\n');
    assert.throws(() => bundleViews(dir), /no view loaders found \(has wasm-split-cli's output changed\?\)/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
