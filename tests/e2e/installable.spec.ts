// Issue 19, the installable app: a web app manifest and a service worker. Chromium reports the
// app installable; the worker caches only content-hashed files (never an API answer or anything
// with a token); with the server stopped, a page load says it cannot reach the server; after a
// new build is deployed, the new app is served and the old build's cache is dropped.
import { test, expect, chromium, type Page } from '@playwright/test';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { embeddedAgent } from './support/app';
import { SERVER } from './support/server';
import { PRIVATE_PORTS, firstAgent, startServer, watchPage } from './support/private';

const ROOT = resolve(__dirname, '..', '..');

test.use({ serviceWorkers: 'allow' });

/** Waits until the service worker controls the page; returns the cache names it made. */
async function controlled(page: Page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller), { timeout: 15_000 }).toBe(true);
  return page.evaluate(() => caches.keys());
}

test('Chromium reports the app installable', async ({ request }) => {
  // Installing needs a profile of its own: Playwright's contexts are incognito ("in-incognito").
  const profile = mkdtempSync(join(tmpdir(), 'agent-console-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await context.newPage();
    const watch = watchPage(page);
    const agent = await embeddedAgent(request);
    await page.goto(`${SERVER.url}/agents/${agent.id}#token=${SERVER.sessionToken}`);
    await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
    await controlled(page);
    const cdp = await context.newCDPSession(page);
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest.errors).toEqual([]);
    expect(JSON.parse(manifest.data!).name).toBe('Agent Console');
    expect((await cdp.send('Page.getInstallabilityErrors')).installabilityErrors).toEqual([]);
    watch.check();
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('the worker caches only content-hashed files, never an API answer', async ({ page, request }) => {
  const watch = watchPage(page);
  const agent = await embeddedAgent(request);
  await page.goto(`${SERVER.url}/agents/${agent.id}#token=${SERVER.sessionToken}`);
  await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
  await controlled(page);

  // Load through the worker: the app's files are cached, the API's answers are not.
  await page.reload();
  await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
  await page.goto(`${SERVER.url}/agents/${agent.id}/logs`);
  await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
  const cached = await page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) {
      for (const r of await (await caches.open(name)).keys()) urls.push(new URL(r.url).pathname);
    }
    return urls;
  });
  expect(cached.some((u) => /^\/app-[0-9a-f]{16}\/agent-console-app_bg\.wasm$/.test(u)), cached.join('\n')).toBe(true);
  for (const u of cached) {
    expect(u, 'only content-hashed files').toMatch(/^\/(app-[0-9a-f]{16}\/|[^/]+-[0-9a-f]{16}\.)/);
    expect(u).not.toContain('/api/');
  }
  watch.check();
});

test('with the server stopped the page says it cannot reach it; a new build is served once deployed', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-console-e2e-dist-'));
  const [distA, distB, data] = [join(dir, 'a'), join(dir, 'b'), join(dir, 'data')];
  cpSync(join(ROOT, 'dist'), distA, { recursive: true });
  // One data directory for both builds: the same agent, as after a real redeploy.
  let srv = await startServer(PRIVATE_PORTS.installable, ['--data-dir', data], { dist: distA });
  try {
    const agent = await firstAgent(srv);
    await page.goto(`${srv.url}/agents/${agent.id}#token=${srv.sessionToken}`);
    await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
    const before = await controlled(page);
    expect(before).toHaveLength(1);

    // Offline: the worker answers the page with its message (positive control: the app above).
    await srv.stop();
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Cannot reach the server' })).toBeVisible();
    await expect(page.locator('h1.agent-name')).toHaveCount(0);

    // A new build: another page and another worker (the build name it carries), deployed on the
    // same address. Its compressed copies are dropped so the server sends the changed files.
    cpSync(distA, distB, { recursive: true });
    const build = before[0].replace('agent-console-', '');
    const next = `${build}-next`;
    const sw = join(distB, 'sw.js');
    writeFileSync(sw, readFileSync(sw, 'utf8').replaceAll(build, next));
    const index = join(distB, 'index.html');
    writeFileSync(index, readFileSync(index, 'utf8').replace('<title>Agent Console</title>', '<title>Agent Console (next build)</title>'));
    for (const f of [sw, index]) for (const ext of ['.br', '.gz']) rmSync(f + ext, { force: true });
    srv = await startServer(PRIVATE_PORTS.installable, ['--data-dir', data], { dist: distB });
    await page.reload();
    await expect(page).toHaveTitle('Agent Console (next build)');
    await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
    // The new worker takes over and drops the old build's cache.
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    await expect.poll(() => page.evaluate(() => caches.keys()), { timeout: 15_000 }).not.toContain(before[0]);
    await expect.poll(() => page.evaluate(() => caches.keys()), { timeout: 15_000 }).toContain(`agent-console-${next}`);
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
