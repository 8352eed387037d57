// Loads xterm.js on demand. wasm-bindgen imports this file statically (it is tiny and imports
// nothing itself), so the app's first view pays nothing for the terminal: xterm.js, its addons
// and its stylesheet are fetched by the dynamic import()s below, only when a terminal opens.
// The files are the npm packages' own, copied to vendor/xterm/ by Trunk, found under the page's
// <base> (the server's base path). The factories hand Rust instances of the loaded classes;
// Rust calls their methods structurally, so nothing imports xterm.js statically (the
// wasm-bindgen-test page, which has no vendor files, loads the app's code too).

let loading; // Promise of the core modules while (or after) they load
let core; // the loaded core modules
let webglLoading;
let webgl;
let searchLoading;

/** The address of a file of vendor/xterm/ under the page's base path (its <base>). */
function vendor(file) {
  return new URL(`vendor/xterm/${file}`, document.baseURI).href;
}

/** Adds a stylesheet once (marked with `data-<mark>`), resolving when it has loaded. */
function stylesheet(href, mark) {
  if (document.querySelector(`link[data-${mark}]`)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    link.setAttribute(`data-${mark}`, '');
    link.onload = () => resolve();
    link.onerror = () => {
      link.remove();
      reject(new Error(`could not load ${href}`));
    };
    document.head.appendChild(link);
  });
}

/**
 * Declares the terminal's optional fonts (vendor/fonts/terminal-fonts.css, written by
 * scripts/terminal-fonts.mjs) and downloads the faces of `families`, only when a user picks one.
 */
export async function loadTerminalFonts(families) {
  await stylesheet(new URL('vendor/fonts/terminal-fonts.css', document.baseURI).href, 'terminal-fonts');
  const loaded = await Promise.all(families.map((f) => document.fonts.load(`16px "${f}"`, 'a\ue0a0')));
  if (loaded.some((faces) => faces.length === 0)) throw new Error('the font files did not load');
}

/**
 * Fetches xterm.js, the fit, web-links, unicode11 and image addons and the stylesheet (once).
 * The image addon comes with the core, not later: the replay a terminal gets when it attaches may
 * hold images, and what xterm parsed before the addon was loaded stays blank.
 */
export function loadXterm() {
  if (!loading) {
    loading = Promise.all([
      import(vendor('xterm.mjs')),
      import(vendor('addon-fit.mjs')),
      import(vendor('addon-web-links.mjs')),
      import(vendor('addon-unicode11.mjs')),
      import(vendor('addon-image.mjs')),
      stylesheet(vendor('xterm.css'), 'xterm-css'),
    ]).then(([xterm, fit, links, unicode11, image]) => {
      core = { xterm, fit, links, unicode11, image };
    });
    // A failed download may be retried.
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}

/** Fetches the WebGL renderer addon (once). */
export function loadWebgl() {
  if (!webglLoading) {
    webglLoading = import(vendor('addon-webgl.mjs')).then((m) => {
      webgl = m;
    });
    webglLoading.catch(() => {
      webglLoading = undefined;
    });
  }
  return webglLoading;
}

/**
 * The scrollback search addon for `options` (fetched the first time a search opens). One import
 * for Rust, which calls the addon's methods through Reflect: every binding the app declares
 * costs the first view a little glue.
 */
export async function newSearchAddon(options) {
  if (!searchLoading) {
    searchLoading = import(vendor('addon-search.mjs'));
    searchLoading.catch(() => {
      searchLoading = undefined;
    });
  }
  const search = await searchLoading;
  return new search.SearchAddon(options);
}

/**
 * What WebGL this browser offers: "hardware", "software" (SwiftShader, llvmpipe: slower than the
 * DOM renderer) or "none".
 */
export function webglKind() {
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return 'none';
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return /swiftshader|llvmpipe|softpipe|software/i.test(renderer) ? 'software' : 'hardware';
  } catch {
    return 'none';
  }
}

function need(m) {
  if (!m) throw new Error('xterm.js is not loaded yet');
  return m;
}

export function newTerminal(options) {
  return new (need(core).xterm.Terminal)(options);
}
export function newFitAddon() {
  return new (need(core).fit.FitAddon)();
}
export function newWebLinksAddon(handler) {
  return new (need(core).links.WebLinksAddon)(handler);
}
export function newUnicode11Addon() {
  return new (need(core).unicode11.Unicode11Addon)();
}
export function newImageAddon(options) {
  return new (need(core).image.ImageAddon)(options);
}
export function newWebglAddon() {
  return new (need(webgl).WebglAddon)();
}
