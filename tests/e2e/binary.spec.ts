// One self-contained binary: the release `agent-console`, copied alone to an empty directory,
// serves the app built into it (pre-compressed) and the API, with no dist/ beside it.
import { test, expect } from '@playwright/test';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PRIVATE_PORTS, startServer, watchPage, type PrivateServer } from './support/private';

const ROOT = resolve(__dirname, '..', '..');
let dir: string;
let srv: PrivateServer;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agent-console-alone-'));
  copyFileSync(join(ROOT, 'target/release/agent-console'), join(dir, 'agent-console'));
  chmodSync(join(dir, 'agent-console'), 0o755);
  srv = await startServer(PRIVATE_PORTS.binary, [], { binary: join(dir, 'agent-console'), cwd: dir });
});

test.afterAll(async () => {
  await srv?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the release binary alone in an empty directory serves the app and the API', async ({ page }) => {
  const watch = watchPage(page);
  const encodings = new Map<string, string | undefined>();
  page.on('response', (r) => {
    if (/\.(wasm|js)$/.test(new URL(r.url()).pathname)) encodings.set(new URL(r.url()).pathname, r.headers()['content-encoding']);
  });
  await page.goto(`${srv.url}/#token=${srv.sessionToken}`);
  await expect(page.getByRole('heading', { name: 'Agents' })).toBeVisible();
  await page.locator('a.agent-link').first().click();
  await expect(page.getByRole('heading', { name: 'Summary' })).toBeVisible();
  // The app's code came from inside the binary, brotli-compressed at build time.
  const wasm = [...encodings].find(([path]) => path.endsWith('agent-console-app_bg.wasm'));
  expect(wasm, `responses seen: ${[...encodings.keys()].join(', ')}`).toBeDefined();
  expect(wasm![1]).toBe('br');
  // A second load revalidates the page and keeps the content-addressed code (immutable).
  const res = await fetch(`${srv.url}${wasm![0]}`, { headers: { 'accept-encoding': 'gzip' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toContain('immutable');
  expect(res.headers.get('content-type')).toBe('application/wasm');
  const etag = res.headers.get('etag')!;
  expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
  const again = await fetch(`${srv.url}${wasm![0]}`, { headers: { 'if-none-match': etag } });
  expect(again.status).toBe(304);
  // The API, and nothing written beside the binary (the data went to --data-dir).
  const info = await fetch(`${srv.url}/api/v2/buildinfo`);
  expect(info.status).toBe(200);
  expect(readdirSync(dir)).toEqual(['agent-console']);
  watch.check();
});
