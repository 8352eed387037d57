import { test, expect } from '@playwright/test';
import { SERVER } from './support/server';
import { embeddedAgent } from './support/app';

test('the app is served with its CSP and asks for sign-in without a token', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('the sign-in link signs in, hides the token and lists the agent', async ({ page }) => {
  await page.goto(`/#token=${SERVER.sessionToken}`);
  await expect(page.getByRole('heading', { name: 'Agents' })).toBeVisible();
  expect(page.url()).not.toContain(SERVER.sessionToken);
  const agentLink = page.locator('a.agent-link').first();
  await expect(agentLink).toBeVisible();
  await agentLink.click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  await expect(page.locator('h1.agent-name')).not.toBeEmpty();
  await expect(page.getByRole('heading', { name: 'Summary' })).toBeVisible();
  await expect(page.locator('dl.facts').first()).toContainText('OS / arch');
  await expect(page.locator('dl.facts').first()).toContainText('linux');
});

test('the sign-in token leaves the address bar even when the app cannot load', async ({ page }) => {
  await page.route('**/*.wasm', (route) => route.abort());
  await page.goto(`/agents/some-agent?embed=1#x=1&token=${encodeURIComponent(SERVER.sessionToken)}`);
  // The token goes; the rest of the fragment (a line link, say) stays.
  expect(new URL(page.url()).hash).toBe('#x=1');
  expect(page.url()).not.toContain(SERVER.sessionToken);
  expect(page.url()).toContain('/agents/some-agent?embed=1');
  expect(await page.evaluate(() => sessionStorage.getItem('agent-console.session-token'))).toBe(SERVER.sessionToken);
});

test('a wrong token leads back to sign-in with the reason', async ({ page }) => {
  await page.goto('/#token=not-the-right-token');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByText('You were signed out')).toBeVisible();
});

test.describe('views load on demand', () => {
  test.beforeEach(({}, info) => test.skip(info.project.name !== 'desktop', 'one browser shape is enough'));

  test('the first page fetches only the overview; a tab pointed at fetches its view', async ({ page, request }) => {
    const agent = await embeddedAgent(request);
    const code: string[] = [];
    page.on('request', (r) => { if (/\.(wasm|bundle)$/.test(r.url())) code.push(new URL(r.url()).pathname.split('/').pop()!); });
    await page.goto(`/agents/${agent.id}#token=${SERVER.sessionToken}`);
    await expect(page.getByRole('heading', { name: 'Summary' })).toBeVisible();
    // The overview's module; then, once the name is on screen, the code of the cards near the
    // viewport: the metadata and latency cards, and (on this tall a screen) the cards below them.
    expect(code[0]).toBe('agent-console-app_bg.wasm');
    const overview = ['agent-console-app_bg.wasm', 'split_overview_details.bundle', 'split_overview_metadata.bundle'];
    await expect.poll(() => [...code].sort()).toEqual(overview);
    await expect(page.locator('section.metadata-card')).toBeVisible();
    expect(await page.locator('style[data-view]:not([data-view="metadata"]):not([data-view="overview-details"])').count()).toBe(0);

    // The view's module and the chunks it shares with other views come as one file.
    await page.getByRole('link', { name: 'Logs', exact: true }).hover();
    await expect.poll(() => code).toContain('split_logs.bundle');
    await page.getByRole('link', { name: 'Logs', exact: true }).click();
    await expect(page.locator('.log-viewer')).toBeVisible();
    expect([...code].sort()).toEqual([...overview, 'split_logs.bundle'].sort());
    // The view's stylesheet came with its code.
    await expect(page.locator('style[data-view="logs"]')).toHaveCount(1);
    expect(await page.locator('.log-viewer').evaluate((e) => getComputedStyle(e).overflowY)).not.toBe('visible');
  });

  test('a view whose code cannot be downloaded says so, and loads when opened again', async ({ page, request }) => {
    const agent = await embeddedAgent(request);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.route('**/split_ports.*', (route) => route.abort());
    await page.goto(`/agents/${agent.id}#token=${SERVER.sessionToken}`);
    await expect(page.getByRole('heading', { name: 'Summary' })).toBeVisible();
    await page.getByRole('link', { name: 'Ports', exact: true }).click();
    await expect(page.getByRole('alert')).toContainText('The code of the ports view could not be downloaded');

    await page.unroute('**/split_ports.*');
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Summary' })).toBeVisible();
    await page.getByRole('link', { name: 'Ports', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Listening ports' })).toBeVisible();
    expect(errors).toEqual([]);
  });
});
