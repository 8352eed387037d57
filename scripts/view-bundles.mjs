// One download per view. wasm-split-cli gives each view its module (split_<view>.wasm) plus the
// chunks it shares with other views (chunk_<n>.wasm): opening the terminal took 25 requests, and
// on a phone's network, with six connections per host, that is several round trips in a row.
// This writes, for each view, split_<view>.bundle: its module and all its chunks end to end, and
// teaches the loader (__wasm_split.js, as wasm-split-cli 0.2.4 writes it) to fetch that file when
// the view is first asked for and to hand each part to the instantiation in place of its own
// fetch. Chunks already loaded for another view are not used twice; a part that is missing (or
// a bundle that failed) falls back to the single file, which stays in the output.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOADER = '__wasm_split.js';

/** Writes the bundles into `dir` and rewrites its loader; returns the bundles' file names. */
export function bundleViews(dir) {
  const js = readFileSync(join(dir, LOADER), 'utf8');

  // `const __chunk_8 = makeLoad(() => { const src = fetch(new URL("./chunk_8.wasm", ...`
  const chunkFiles = new Map();
  for (const m of js.matchAll(/const (__chunk_\d+) = makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/(chunk_\d+)\.wasm"/g)) {
    chunkFiles.set(m[1], m[2]);
  }
  // `export const __wasm_split_load_logs = wrapAsyncCb(makeLoad(<fetcher>, [__chunk_8, ...]));`
  const exportRe = /export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(([\s\S]*?), \[([^\]]*)\]\)\);/g;
  const bundles = {};
  const written = [];
  for (const m of js.matchAll(exportRe)) {
    const [, view, fetcher, deps] = m;
    const own = /fetch\(new URL\("\.\/(split_\w+)\.wasm"/.exec(fetcher)?.[1];
    const names = [
      ...(own ? [own] : []),
      ...deps.split(',').map((d) => d.trim()).filter(Boolean).map((d) => {
        const file = chunkFiles.get(d);
        if (!file) throw new Error(`${LOADER}: ${view} depends on ${d}, whose file was not found`);
        return file;
      }),
    ];
    if (names.length === 0) continue;
    const parts = names.map((name) => readFileSync(join(dir, `${name}.wasm`)));
    const file = `split_${view}.bundle`;
    writeFileSync(join(dir, file), Buffer.concat(parts));
    // Kept short, since the loader is on the first page: the parts in order as (id, length),
    // id -1 for the view's own module and n for chunk_<n>.
    bundles[view] = names.flatMap((name, i) => [name.startsWith('split_') ? -1 : Number(name.slice(6)), parts[i].length]);
    written.push(file);
  }
  if (written.length === 0) throw new Error(`${LOADER}: no view loaders found (has wasm-split-cli's output changed?)`);

  const wrapped = js.replace(exportRe, (all, view) => bundles[view]
    ? all.replace('wrapAsyncCb(makeLoad(', `wrapAsyncCb(withBundle(${JSON.stringify(view)}, makeLoad(`).replace(/\]\)\);$/, '])));')
    : all);
  let fetches = 0;
  const rewritten = wrapped.replace(/fetch\(new URL\("\.\/((?:split|chunk)_\w+)\.wasm", import\.meta\.url\)\)/g, (_, name) => {
    fetches++;
    return `bundlePart(${JSON.stringify(name)}, new URL("./${name}.wasm", import.meta.url))`;
  });
  if (fetches === 0) throw new Error(`${LOADER}: no module fetches found to rewrite`);
  const importLine = /^import \{ initSync \} from "[^"]+";\n/m;
  if (!importLine.test(rewritten)) throw new Error(`${LOADER}: its import of the main module was not found`);
  writeFileSync(join(dir, LOADER), rewritten.replace(importLine, (line) => `${line}${runtime(bundles)}`));
  return written;
}

function runtime(bundles) {
  return `
// Added by scripts/view-bundles.mjs: each view's modules arrive in one file.
const VIEW_BUNDLES = ${JSON.stringify(bundles)};
const bundleDownloads = new Map();
const bundleParts = new Map();
const partsTaken = new Set();
function withBundle(view, load) {
  return () => {
    if (!bundleDownloads.has(view)) {
      const file = \`./split_\${view}.bundle\`;
      const entries = [];
      for (let i = 0, start = 0, list = VIEW_BUNDLES[view]; i < list.length; start += list[i + 1], i += 2) {
        entries.push([list[i] < 0 ? \`split_\${view}\` : \`chunk_\${list[i]}\`, start, list[i + 1]]);
      }
      const bytes = fetch(new URL(file, import.meta.url)).then((r) => {
        if (!r.ok) throw new Error(\`\${file}: \${r.status}\`);
        return r.arrayBuffer();
      });
      const provided = entries.filter(([name]) => !partsTaken.has(name));
      // A bundle that failed is fetched again, parts and all, the next time the view is asked for.
      bytes.catch(() => {
        if (bundleDownloads.get(view) === bytes) bundleDownloads.delete(view);
        for (const [name] of provided) partsTaken.delete(name);
      });
      bundleDownloads.set(view, bytes);
      for (const [name, start, length] of provided) {
        const part = bytes.then((b) => new Response(new Uint8Array(b, start, length), { headers: { 'content-type': 'application/wasm' } }));
        part.catch(() => {});
        bundleParts.set(name, part);
      }
    }
    return load();
  };
}
function bundlePart(name, url) {
  const part = bundleParts.get(name);
  bundleParts.delete(name);
  partsTaken.add(name);
  return part ?? fetch(url);
}
`;
}
