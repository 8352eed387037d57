#!/usr/bin/env node
// Builds the app's WebAssembly into a Trunk-built dist/. Trunk runs it as its post_build hook
// (Trunk.toml), on its staging directory and in its profile (TRUNK_STAGING_DIR, TRUNK_PROFILE);
// run alone, it builds the release into the directory given (default dist/).
//
// Release (`trunk build --release`), split so that the first page downloads only the frame and
// the overview:
//   1. cargo builds the wasm (profile wasm-release) with `--cfg split_views` (src/shell/split.rs
//      marks each route's view as a split point) and `--emit-relocs`, which the splitter needs;
//   2. wasm-split-cli moves the code that only one split point reaches into its own module
//      (split_<view>.wasm, shared pieces in chunk_<n>.wasm) and writes their loader,
//      __wasm_split.js;
//   3. wasm-bindgen generates the JS glue of the main module;
//   4. each view's module and chunks are also written as one file, split_<view>.bundle, which
//      the loader fetches instead (scripts/view-bundles.mjs);
//   5. the names of the glue's imports lose wasm-bindgen's hash suffixes (see shortenImports),
//      then binaryen's wasm-opt -Os shrinks the main module
//      and the JS (glue, loader, snippets) is minified with terser;
//   6. the files go to dist/app-<content hash>/ (so a browser never mixes two builds), and
//      index.html gets the loader script and preload hints;
//   7. every file gets its brotli and gzip siblings (scripts/precompress.mjs).
// In both, the service worker (public/sw.js) gets the build's directory name (its cache's name).
// The terminal's optional fonts are copied in too (scripts/terminal-fonts.mjs).
// Trunk cannot run step 2 between its cargo and wasm-bindgen steps, so the wasm is built here.
//
// Development (`trunk serve`): one unsplit debug build (steps 1, 3 and 6), with the page told
// where `trunk serve` is (see devPage).
//   node scripts/build-wasm.mjs [dist]     (KEEP_NAMES=1: keep function names, for profiling)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minify } from 'terser';
import { bundleViews } from './view-bundles.mjs';
import { walk } from './walk.mjs';
import { shortenImports } from './shorten-imports.mjs';
import { stripCustomSections } from './wasm-bytes.mjs';
import { checkTools } from './tool-versions.mjs';
import { installTerminalFonts } from './terminal-fonts.mjs';

const dist = resolve(process.env.TRUNK_STAGING_DIR ?? process.argv[2] ?? 'dist');
const release = process.env.TRUNK_PROFILE !== 'debug';
// Paths below are the repository's, wherever this runs from.
process.chdir(join(dirname(fileURLToPath(import.meta.url)), '..'));
const NAME = 'agent-console-app';
// Cargo.toml's profile for the wasm (size first, panics abort); `release` is the server's.
const PROFILE = 'wasm-release';
// A target dir of its own: the split build's rustflags differ from the tests', and sharing one
// directory would rebuild every crate each time the two alternate.
const targetDir = 'target/split';
const work = release ? join(targetDir, 'pkg') : 'target/trunk-dev/pkg';

checkTools();

function run(cmd, args, env = {}) {
  console.log(`==> ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
}

/** Steps 1–5: the split release build in `work`; returns its files. */
async function buildRelease() {
  run('cargo', ['build', '--profile', PROFILE, '--locked', '--target', 'wasm32-unknown-unknown',
    '-p', NAME, '--bin', NAME, '--target-dir', targetDir], {
    // RUSTFLAGS replaces .cargo/config.toml's flags, so erase_components is repeated here.
    RUSTFLAGS: '--cfg erase_components --cfg split_views -Clink-args=--emit-relocs',
    // Stripping at link time would drop the relocations; wasm-bindgen and stripCustomSections()
    // remove the names instead.
    CARGO_PROFILE_WASM_RELEASE_STRIP: 'false',
  });

  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const input = join(targetDir, 'wasm32-unknown-unknown', PROFILE, `${NAME}.wasm`);
  run('wasm-split-cli', ['--target', 'web', '--out-name', NAME, input, work]);
  const keepNames = process.env.KEEP_NAMES === '1';
  run('wasm-bindgen', ['--target', 'web', '--keep-lld-exports', ...(keepNames ? [] : ['--remove-name-section']),
    '--remove-producers-section', '--no-typescript', '--out-dir', work, '--out-name', NAME,
    join(work, `${NAME}.wasm`)]);
  rmSync(join(work, `${NAME}.wasm`));
  rmSync(join(work, 'package.json'), { force: true });

  // The split modules bypass wasm-bindgen: drop their custom sections (function names, producers),
  // which the browser never reads and which would otherwise be most of their size.
  for (const f of [...walk(work)].map((f) => relative(work, f))) {
    if (/^(split|chunk)_.*\.wasm$/.test(f) && !keepNames) writeFileSync(join(work, f), stripCustomSections(readFileSync(join(work, f))));
  }
  console.log(`==> view bundles: ${bundleViews(work).join(', ')}`);
  const files = [...walk(work)].map((f) => relative(work, f)).sort();

  shortenImports(join(work, `${NAME}_bg.wasm`), join(work, `${NAME}.js`), `./${NAME}_bg.js`);

  // binaryen's size optimiser on the main module (the first view's largest file): about 3 KB less
  // brotli. Only the features rustc's wasm32 target emits are enabled, so nothing newer appears;
  // names of imports and exports are kept, so the split modules and the glue still link. -Oz
  // compresses worse than -Os here (smaller code, but less repetitive for brotli).
  // --low-memory-unused (0.9 KB): Rust's wasm puts the stack first, growing down towards address
  // 0, so the lowest 1 KiB is reached only by a stack about to overflow its 1 MiB.
  run('node_modules/.bin/wasm-opt', ['-Os', '--low-memory-unused', '--enable-bulk-memory', '--enable-multivalue',
    '--enable-mutable-globals', '--enable-nontrapping-float-to-int', '--enable-reference-types',
    '--enable-sign-ext', ...(keepNames ? ['--debuginfo'] : []),
    join(work, `${NAME}_bg.wasm`), '-o', join(work, `${NAME}_bg.wasm`)]);

  // Minified JS is about a fifth smaller after brotli; the glue is on the first page's path.
  for (const f of files.filter((f) => f.endsWith('.js'))) {
    const path = join(work, f);
    const out = await minify(readFileSync(path, 'utf8'), { module: true, compress: true, mangle: true });
    writeFileSync(path, out.code);
  }
  return files;
}

/** The development build in `work`: the dev profile in the default target dir (the browser
 *  tests' wasm build shares its dependencies), unsplit, names kept; returns its files. */
function buildDev() {
  run('cargo', ['build', '--locked', '--target', 'wasm32-unknown-unknown', '-p', NAME, '--bin', NAME]);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  run('wasm-bindgen', ['--target', 'web', '--no-typescript', '--out-dir', work, '--out-name', NAME,
    join('target', 'wasm32-unknown-unknown', 'debug', `${NAME}.wasm`)]);
  rmSync(join(work, 'package.json'), { force: true });
  return [...walk(work)].map((f) => relative(work, f)).sort();
}

/** What the page served by `trunk serve` needs and the server would otherwise give it: a
 *  `<base>` (first in <head>, as the server puts it), and where its WebSockets go. Trunk's proxy
 *  takes HTTP or WebSockets on one path, not both, so Trunk.toml proxies the sockets under /ws
 *  and the app's one socket door (src/api/ws.rs) reads the prefix from this <meta>. */
function devPage(html) {
  return html.replace(/<head>/, '<head>\n    <base href="/">')
    .replace('</head>', '  <meta name="agent-console-socket-prefix" content="/ws">\n  </head>');
}

/** Step 6: the files into dist/app-<content hash>/, the page's tags to load them. */
function install(files) {
  const hash = createHash('sha256');
  for (const f of files) hash.update(f).update(readFileSync(join(work, f)));
  const dirName = `app-${hash.digest('hex').slice(0, 16)}`;
  for (const old of readdirSync(dist).filter((d) => d.startsWith('app-'))) rmSync(join(dist, old), { recursive: true });
  cpSync(work, join(dist, dirName), { recursive: true });

  // Relative to the page's <base> (the server's base path), which the server sets.
  const js = `./${dirName}/${NAME}.js`;
  const wasm = `./${dirName}/${NAME}_bg.wasm`;
  // The glue's static imports (split loader, snippets) are preloaded too: found only once the glue
  // has arrived, they would otherwise cost the first render another round trip.
  const modules = files.filter((f) => f.endsWith('.js')).sort((a, b) => (a === `${NAME}.js` ? -1 : b === `${NAME}.js` ? 1 : 0));
  const tags = [
    ...modules.map((f) => `<link rel="modulepreload" href="./${dirName}/${f}">`),
    `<link rel="preload" href="${wasm}" as="fetch" type="application/wasm" crossorigin>`,
    `<script type="module">import init from '${js}'; init({ module_or_path: '${wasm}' });</script>`,
  ].join('\n    ');
  // Between markers, so that running this again on the same dist/ replaces the tags.
  const indexPath = join(dist, 'index.html');
  const html = readFileSync(indexPath, 'utf8').replace(/\s*<!-- wasm -->[\s\S]*<!-- \/wasm -->/, '')
    // Trunk leaves its skipped Rust link (index.html) in the page.
    .replace(/\s*<link data-trunk rel="rust"[^>]*>/, '');
  if (!html.includes('</head>')) throw new Error(`${indexPath} has no </head>`);
  // The page's comments are for its readers here, not for every first load (the first view's
  // byte budget): all but the markers above go.
  const served = html.replace(/\s*<!--(?!\s*\/?wasm\s*-->)[\s\S]*?-->/g, '');
  const page = served.replace('</head>', `    <!-- wasm -->\n    ${tags}\n    <!-- /wasm -->\n  </head>`);
  writeFileSync(indexPath, release ? page : devPage(page));
  // The service worker names the build it belongs to (its cache), so each build is a new worker.
  const swPath = join(dist, 'sw.js');
  writeFileSync(swPath, readFileSync(swPath, 'utf8').replaceAll('__AGENT_CONSOLE_BUILD__', dirName));
  const total = files.reduce((s, f) => s + readFileSync(join(work, f)).length, 0);
  console.log(`==> ${dirName}: ${files.length} files, ${total} bytes (before compression)`);
}

install(release ? await buildRelease() : buildDev());
installTerminalFonts(dist);
// Step 7.
if (release) run('node', ['scripts/precompress.mjs', dist]);
