// Agent Console's service worker: the app installs and opens from the home screen, its
// content-hashed files come from a cache, and a page that cannot reach the server says so.
//
// - It caches only the files the server marks immutable (the content-hashed ones, `app-<hash>/…`,
//   `name-<hash>.ext`), so a cached one is never stale. Pages always come from the network, so a new build is served as
//   soon as it is deployed; each build's files go to a cache of their own, and the caches of
//   other builds are dropped when this worker takes over.
// - It never caches API answers, sockets, or any request carrying a token.
// - scripts/build-wasm.mjs writes the build's name in place of BUILD below, so every build is a
//   new worker (and the browser replaces the old one).
const BUILD = '__AGENT_CONSOLE_BUILD__';
const CACHE = `agent-console-${BUILD}`;
const SCOPE = new URL(self.registration.scope).pathname;

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('agent-console-') && name !== CACHE) await caches.delete(name);
    }
    await caches.open(CACHE);
    await self.clients.claim();
  })());
});

function carriesToken(request, url) {
  return request.headers.has('Coder-Session-Token') || url.searchParams.has('coder_session_token')
    || url.searchParams.has('token');
}

const OFFLINE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Agent Console — cannot reach the server</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#1f2937;color:#e5e7eb}
main{max-width:32rem;padding:1.5rem}h1{font-size:1.4rem;margin:0 0 .5rem}a{color:#34d399}</style></head>
<body><main role="alert"><h1>Cannot reach the server</h1>
<p>Agent Console could not reach its server. Check your connection, or that the console is running, then
<a href="">try again</a>.</p></main></body></html>`;

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE)) return;
  if (request.mode === 'navigate') {
    event.respondWith(fetch(request).catch(() => new Response(OFFLINE, {
      status: 503,
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
    })));
    return;
  }
  const path = url.pathname.slice(SCOPE.length);
  if (path.startsWith('api/') || carriesToken(request, url)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(request);
    if (hit) return hit;
    const response = await fetch(request);
    // The server marks what is content-hashed (crates/server/src/static_files.rs): only that.
    const immutable = /\bimmutable\b/.test(response.headers.get('cache-control') ?? '');
    if (response.ok && response.type === 'basic' && immutable) await cache.put(request, response.clone());
    return response;
  })());
});
