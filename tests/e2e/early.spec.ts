// An agent page reads its agent, and the agent list its workspaces, while the app's code
// downloads (the script in index.html); the app shows that answer in its first render
// instead of asking again, and asks itself when the early read failed. Checked at the root and
// under a base path, under the page's CSP.
import { test, expect, type Page, type Request } from '@playwright/test';
import { SERVER } from './support/server';
import { embeddedAgent } from './support/app';
import { PRIVATE_PORTS, startServer, firstAgent } from './support/private';

test.beforeEach(({}, info) => test.skip(info.project.name !== 'desktop', 'one browser shape is enough'));

/** Requests for the agent's JSON (and whether the first one left before the app's code had
 *  arrived), and CSP violations, from the moment the page starts. */
function watch(page: Page, agentPath: string) {
  const reads: Request[] = [];
  let codeArrived = false;
  let firstReadBeforeCode = false;
  page.on('requestfinished', (r) => { if (r.url().endsWith('/agent-console-app_bg.wasm')) codeArrived = true; });
  page.on('request', (r) => {
    if (new URL(r.url()).pathname !== agentPath) return;
    if (reads.length === 0) firstReadBeforeCode = !codeArrived;
    reads.push(r);
  });
  page.addInitScript(() => {
    (window as any).__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => (window as any).__violations.push(e.violatedDirective));
  });
  return {
    reads,
    firstReadBeforeCode: () => firstReadBeforeCode,
    violations: () => page.evaluate(() => (window as any).__violations as string[]),
  };
}

/** The page read its agent once to draw it: a second read, if one came already, is the page's
 *  refresh, a refresh interval (1.5 s) or more after the first, not a second read at start. */
function expectOneReadBeforeRefresh(reads: Request[]) {
  expect(reads.length).toBeGreaterThanOrEqual(1);
  if (reads.length > 1) {
    expect(reads[1].timing().startTime - reads[0].timing().startTime).toBeGreaterThanOrEqual(1_400);
  }
}

/** A short window keeps the cards below the first screen away: their Sessions card reads the
 *  agent's sessions on its own (the frame's read leaves them out), which is not the frame's read. */
const SHORT_WINDOW = { width: 1280, height: 480 };

test('an agent page reads its agent once, before its code has loaded, then refreshes it', async ({ page, request }) => {
  const agent = await embeddedAgent(request);
  const { reads, firstReadBeforeCode, violations } = watch(page, `/api/v2/workspaceagents/${agent.id}`);
  await page.setViewportSize(SHORT_WINDOW);

  await page.goto(`/agents/${agent.id}#token=${SERVER.sessionToken}`);
  await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
  await expect(page.getByRole('heading', { name: 'Summary' })).toBeVisible();
  expectOneReadBeforeRefresh(reads);
  expect(firstReadBeforeCode()).toBe(true);
  expect(await reads[0].headerValue('coder-session-token')).toBe(SERVER.sessionToken);
  expect(reads[0].url()).not.toContain(SERVER.sessionToken);
  expect(page.url()).not.toContain(SERVER.sessionToken);
  // The answer in hand is not the end of it: the page keeps the agent fresh.
  await expect.poll(() => reads.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
  expect(await violations()).toEqual([]);
});

test('the agent list is read once, before its code has loaded', async ({ page }) => {
  const { reads, firstReadBeforeCode, violations } = watch(page, '/api/v2/workspaces');
  await page.goto(`/#token=${SERVER.sessionToken}`);
  await expect(page.locator('a.agent-link').first()).toBeVisible();
  expect(reads).toHaveLength(1);
  expect(firstReadBeforeCode()).toBe(true);
  expect(await violations()).toEqual([]);
});

test('when the early read fails, the app asks itself and shows the agent', async ({ page, request }) => {
  const agent = await embeddedAgent(request);
  const path = `/api/v2/workspaceagents/${agent.id}`;
  const { reads } = watch(page, path);
  let refused = 0;
  await page.route(`**${path}`, (route) => {
    if (refused++ === 0) return route.fulfill({ status: 503, contentType: 'application/json', body: '{"message":"busy"}' });
    return route.continue();
  });
  await page.goto(`/agents/${agent.id}#token=${SERVER.sessionToken}`);
  await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
  expect(reads.length).toBeGreaterThanOrEqual(2);
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test.describe('under a base path', () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  test.beforeAll(async () => { srv = await startServer(PRIVATE_PORTS.basePath, ['--base-path', '/console']); });
  test.afterAll(async () => { await srv?.stop(); });

  test('the early read goes under the base path and is the only one before the first refresh', async ({ page }) => {
    const agent = await firstAgent(srv);
    const { reads, firstReadBeforeCode, violations } = watch(page, `/console/api/v2/workspaceagents/${agent.id}`);
    const elsewhere: string[] = [];
    page.on('request', (r) => { const p = new URL(r.url()).pathname; if (p.startsWith('/api/')) elsewhere.push(p); });
    await page.setViewportSize(SHORT_WINDOW);
    await page.goto(`${srv.url}/console/agents/${agent.id}#token=${srv.sessionToken}`);
    await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
    expectOneReadBeforeRefresh(reads);
    expect(firstReadBeforeCode()).toBe(true);
    expect(elsewhere).toEqual([]);
    expect(await violations()).toEqual([]);
  });
});
