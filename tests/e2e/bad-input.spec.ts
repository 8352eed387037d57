// Hostile and broken input, end to end in a real Chromium: a 1 MB log line, invalid UTF-8 and
// markup from a program in the terminal, `javascript:` links in logs and terminal output, the
// clipboard, and an agent with unknown enum values, missing and null fields and markup in its
// names, answered by a fake coderd behind the server's proxy mode.
//
// What is already covered elsewhere is not repeated: HTML in a log line (logs.spec.ts), terminal
// titles as text, OSC 52 writes asking first and OSC 8 links asking first (terminal.spec.ts).
import { test, expect, type Page } from '@playwright/test';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { embeddedAgent } from './support/app';
import { SERVER } from './support/server';
import { clickTerminalText } from './support/terminal';
import {
  PRIVATE_PORTS, expectNotBlank, firstAgent, patchLines, serverLogLines, startConfiguredServer, startServer, watchPage, type PrivateServer,
} from './support/private';

declare global {
  interface Window {
    __pwned?: number;
    __agentConsoleTerminalText?: () => string;
    __agentConsoleTerminalInfo?: () => string;
  }
}

const pwned = (page: Page) => page.evaluate(() => window.__pwned);

// ---- logs ----

test.describe('a 1 MB log line', () => {
  // Its own server: the embedded agent keeps at most 1 MiB of logs, which the shared server's
  // other specs use up. No startup scripts, so the line fits.
  let srv: PrivateServer;
  test.beforeAll(async () => {
    srv = await startConfiguredServer(PRIVATE_PORTS.fresh, 'scripts = []\n');
  });
  test.afterAll(async () => {
    await srv?.stop();
  });

  test('is shown cut with a way to see it whole; the page stays usable; download has all of it', async ({ page }) => {
    test.setTimeout(90_000);
    const watch = watchPage(page);
    const agent = await firstAgent(srv);
    const run = `big-${Date.now()}`;
    const head = `${run} head `;
    const tail = ` ${run}-tail`;
    const big = head + 'abcdefghij'.repeat(100_000 - 10) + tail;
    expect(big.length).toBeGreaterThan(990_000);
    await patchLines(srv, [`${run} before`]);
    await patchLines(srv, [big]);
    const filler = Array.from({ length: 150 }, (_, i) => `${run} after ${i}`);
    await patchLines(srv, filler);

    await page.goto(`${srv.url}/agents/${agent.id}/logs#token=${srv.sessionToken}`);
    const row = page.locator('.log-row', { hasText: head });
    const viewer = page.locator('.log-viewer');
    await expect(page.locator('.log-row', { hasText: `${run} after 149` })).toBeVisible({ timeout: 30_000 });
    // Scroll back to the long line: the list scrolls and shows it cut, with a notice.
    await viewer.evaluate((el) => { el.scrollTop = 0; });
    await expect(row).toBeVisible();
    const more = row.locator('.log-more');
    await expect(more).toContainText(/more not shown · show whole line/);
    const shownLength = await row.locator('.log-text').evaluate((el) => (el.textContent ?? '').length);
    expect(shownLength).toBeLessThan(100_000);
    await expect(row).not.toContainText(tail.trim());
    await expect(page.getByRole('button', { name: /Jump to latest/ })).toBeVisible();

    // Still responsive: typing in the search box finds lines, and the list scrolls to the end.
    const search = page.locator('#log-search');
    await search.click();
    await page.keyboard.type(`${run} after 14`);
    await expect(page.locator('.search-count')).toHaveText('11 matches');
    await search.fill('');
    await page.getByRole('button', { name: /Jump to latest/ }).click();
    await expect(page.locator('.log-row', { hasText: `${run} after 149` })).toBeVisible();
    await viewer.evaluate((el) => { el.scrollTop = 0; });
    await expect(more).toBeVisible();

    // The whole line, on demand, and as a file.
    await more.click();
    const panel = page.getByRole('dialog', { name: 'Whole log line' });
    await expect(panel).toBeVisible();
    await expect(panel).toContainText(/Whole line \(9\d\d\.\d KiB\)/);
    const whole = await panel.locator('pre.whole-line').evaluate((el) => el.textContent ?? '');
    expect(whole.length).toBe(big.length);
    expect(whole === big).toBe(true);
    const [lineFile] = await Promise.all([
      page.waitForEvent('download'),
      panel.getByRole('button', { name: 'Download line' }).click(),
    ]);
    expect((await readFile(await lineFile.path(), 'utf8')) === big).toBe(true);
    await panel.getByRole('button', { name: 'Close' }).click();
    await expect(panel).toBeHidden();

    const [all] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download shown', exact: true }).click(),
    ]);
    const downloaded = (await readFile(await all.path(), 'utf8')).split('\n').filter((l) => l.includes(run));
    expect(downloaded).toHaveLength(152);
    expect(downloaded[1].endsWith(big)).toBe(true);
    const held = (await serverLogLines(srv, agent.id)).filter((l) => l.includes(run));
    expect(downloaded.map((l) => l.slice(l.indexOf(run)))).toEqual(held);
    watch.check();
  });
});

test('javascript: and OSC 8 links in a log line are plain text that runs nothing', async ({ page, request }) => {
  const watch = watchPage(page);
  const agent = await embeddedAgent(request);
  const run = `jslink-${Date.now()}`;
  const osc8 = `\u001b]8;;javascript:window.__pwned=1\u001b\\${run} click me\u001b]8;;\u001b\\`;
  const bare = `${run} see javascript:window.__pwned=2 and data:text/html,<script>window.__pwned=3</script>`;
  await patchLines(SERVER, [osc8, bare]);
  await page.goto(`/agents/${agent.id}/logs#token=${SERVER.sessionToken}`);
  const rows = page.locator('.log-row', { hasText: run });
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0).locator('.log-text')).toHaveText(`${run} click me`);
  await expect(rows.nth(1)).toContainText('javascript:window.__pwned=2');
  expect(await page.locator('.log-viewer a:not(.log-anchor), .log-viewer script, .log-viewer iframe').count()).toBe(0);
  // The only links are the console's own line links, to a fragment of this page.
  const anchors = await page.locator('.log-viewer a.log-anchor').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  expect(anchors.length).toBeGreaterThan(0);
  for (const href of anchors) expect(href).toMatch(/^#L\d+$/);
  await rows.nth(0).getByText('click me').click();
  await rows.nth(1).getByText(/javascript:/).click();
  await page.waitForTimeout(300);
  expect(page.context().pages()).toHaveLength(1);
  expect(await pwned(page)).toBeUndefined();
  watch.check();
});

// ---- terminal ----

const termText = (page: Page) => page.evaluate(() => window.__agentConsoleTerminalText?.() ?? '');
const termLines = async (page: Page) => (await termText(page)).split('\n').map((l) => l.trimEnd());

async function openTerminal(page: Page, request: Parameters<typeof embeddedAgent>[0], query = '') {
  const agent = await embeddedAgent(request);
  await page.goto(`/agents/${agent.id}/terminal${query}#token=${SERVER.sessionToken}`);
  await expect(page.locator('.terminal-status .badge-label')).toHaveText('Connected');
  await expect.poll(async () => (await termText(page)).trim().length).toBeGreaterThan(0);
}

async function run(page: Page, line: string) {
  await page.locator('.terminal-host').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

async function seeLine(page: Page, line: string | RegExp) {
  await expect
    .poll(async () => (await termLines(page)).some((l) => (typeof line === 'string' ? l.trim() === line : line.test(l.trim()))))
    .toBe(true);
}

// Bytes ff, fe (never valid in UTF-8), then c3 (a lead byte) cut short by "(".
const INVALID_UTF8 = "printf 'bad:\\377\\376\\303(ok\\n'";

test('invalid UTF-8 from a program does not break the terminal', async ({ page, request }) => {
  const watch = watchPage(page);
  await openTerminal(page, request);
  await run(page, INVALID_UTF8);
  await seeLine(page, /^bad:[^a-z]*\(ok$/);
  await run(page, 'echo $((6*7))');
  await seeLine(page, '42');
  await expect(page.locator('.terminal-status .badge-label')).toHaveText('Connected');
  watch.check();
});

// The server sends the bytes as they are (62 61 64 3a ff fe c3 28 ...); xterm.js alone would drop
// the invalid ones silently ("bad:(ok"), so the page replaces them with U+FFFD first.
test('invalid UTF-8 from a program shows replacement characters', async ({ page, request }) => {
  await openTerminal(page, request);
  await run(page, INVALID_UTF8);
  await seeLine(page, /^bad:[^a-z]*\(ok$/);
  expect((await termLines(page)).map((l) => l.trim())).toContain('bad:\uFFFD\uFFFD\uFFFD(ok');
});

test('markup and javascript: links printed in the terminal are text and open nothing', async ({ page, context, request }) => {
  const watch = watchPage(page);
  let opened = 0;
  context.on('page', () => { opened += 1; });
  await openTerminal(page, request, '?renderer=dom');
  // Split in the command line so that only the output holds the whole text.
  await run(page, "clear; echo '<img src=x onerror=window.__pwned=1>''<b>bold</b>'");
  await seeLine(page, '<img src=x onerror=window.__pwned=1><b>bold</b>');
  expect(await page.locator('.terminal-page img, .terminal-page b').count()).toBe(0);

  await run(page, "echo 'javascript:window.__pwned=2//''http'");
  await seeLine(page, 'javascript:window.__pwned=2//http');
  await clickTerminalText(page, 'javascript:window');
  // An OSC 8 hyperlink whose target is javascript: is not offered (nor opened) either.
  await run(page, "printf '\\033]8;;javascript:window.__pwned=3\\033\\\\js''-link-text\\033]8;;\\033\\\\\\n'");
  await seeLine(page, 'js-link-text');
  await clickTerminalText(page, 'js-link-text');
  await page.waitForTimeout(300);
  await expect(page.getByRole('dialog', { name: 'Open this link?' })).toHaveCount(0);
  expect(opened).toBe(0);
  expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);
  expect(await pwned(page)).toBeUndefined();
  // And the terminal still works.
  await run(page, 'echo after-$((2+3))');
  await seeLine(page, 'after-5');
  watch.check();
});

test('a program can neither read the clipboard nor write it without permission', async ({ page, context, request }) => {
  const watch = watchPage(page);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: SERVER.url });
  await openTerminal(page, request);
  const secret = `clipboard-secret-${Date.now()}`;
  await page.evaluate((t) => navigator.clipboard.writeText(t), secret);
  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
  expect(await clipboard()).toBe(secret);

  // A read request (OSC 52 "?") is never answered: nothing comes back on the program's input.
  await run(page, "clear; printf '\\033]52;c;?\\007'; read -r -t 2 reply; echo \"rep\"\"ly:[$reply]\"");
  await seeLine(page, 'reply:[]');
  expect(await termText(page)).not.toContain(secret);
  expect(await termText(page)).not.toContain(Buffer.from(secret).toString('base64'));

  // A write waits for the user; until then, and after "Don't allow", the clipboard is unchanged.
  await run(page, "printf '\\033]52;c;%s\\007' " + Buffer.from('from the program').toString('base64'));
  const offer = page.getByText(/A program in the terminal wants to copy \d+ characters to your clipboard/);
  await expect(offer).toBeVisible();
  expect(await clipboard()).toBe(secret);
  await page.getByRole('button', { name: "Don't allow" }).click();
  await expect(offer).toBeHidden();
  expect(await clipboard()).toBe(secret);
  watch.check();
});

// ---- an agent the console does not fully understand, through the proxy ----

const FAKE = {
  agentId: '3d0e9c8e-5a43-4a4c-9a53-2f3b0a0c0e01',
  workspaceId: '6f1f7d2a-3e3c-4d0b-8d0c-1b7e5e8c9a02',
  token: 'fake-coderd-session-token-0123456789',
};

/** The agent as a newer (or broken) coderd might send it. */
function hostileAgent() {
  return {
    id: FAKE.agentId,
    created_at: '2024-05-01T10:00:00Z',
    updated_at: '2024-05-01T10:05:00Z',
    name: 'agent<img src=x onerror=window.__pwned=1>',
    status: 'exploded',
    lifecycle_state: 'imploding',
    // Null where Go sends null (pointers, nil slices and maps).
    parent_id: null,
    first_connected_at: null,
    last_connected_at: null,
    disconnected_at: null,
    started_at: null,
    ready_at: null,
    instance_id: null,
    directory: null,
    expanded_directory: null,
    latency: null,
    environment_variables: null,
    log_sources: null,
    scripts: null,
    // Missing: resource_id, architecture, operating_system, logs_length, logs_overflowed,
    // api_version, connection_timeout_seconds.
    version: '<script>window.__pwned=2</script>',
    health: { healthy: false, reason: '<b onmouseover=window.__pwned=3>sick</b>' },
    subsystems: ['exploded-subsystem'],
    display_apps: ['teleporter', 'web_terminal'],
    startup_script_behavior: 'sometimes',
    troubleshooting_url: 'javascript:window.__pwned=4',
    apps: [{
      id: '0b9c8d7e-6f5a-4b3c-2d1e-0f9a8b7c6d03',
      slug: 'weird',
      display_name: 'App<img src=x onerror=window.__pwned=5>',
      url: 'javascript:window.__pwned=6',
      health: 'on-fire',
      sharing_level: 'galaxy',
      open_in: 'hologram',
      statuses: null,
      group: null,
      tooltip: '<iframe src=javascript:window.__pwned=7>',
    }],
  };
}

/** A tiny coderd: the routes the picker and the overview read, with the token checked like coderd. */
async function startFakeCoderd(port: number) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    seen.push(path);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/api/v2/buildinfo') {
      return send(200, { version: 'v2.99.0-<i>devel</i>', agent_api_version: 'two.point.oh', external_url: 'javascript:x' });
    }
    if (req.headers['coder-session-token'] !== FAKE.token) {
      return send(401, { message: 'You must be logged in.' });
    }
    if (path === `/api/v2/workspaceagents/${FAKE.agentId}`) return send(200, hostileAgent());
    if (path === '/api/v2/workspaces') {
      return send(200, {
        count: 1,
        workspaces: [{
          id: FAKE.workspaceId,
          name: 'ws<img src=x onerror=window.__pwned=8>',
          owner_name: 'mallory',
          latest_build: { id: FAKE.workspaceId, status: 'melting', transition: 'sideways', resources: [{ id: FAKE.workspaceId, agents: [hostileAgent()] }] },
        }],
      });
    }
    return send(404, { message: `Route not found: ${path}` });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { seen, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test.describe('an agent with unknown values, missing and null fields, and markup (proxy mode)', () => {
  let fake: Awaited<ReturnType<typeof startFakeCoderd>>;
  let proxy: PrivateServer;
  test.beforeAll(async () => {
    fake = await startFakeCoderd(PRIVATE_PORTS.fakeCoderd);
    proxy = await startServer(PRIVATE_PORTS.proxy, ['--coder-url', `http://127.0.0.1:${PRIVATE_PORTS.fakeCoderd}`]);
  });
  test.afterAll(async () => {
    await proxy?.stop();
    await fake?.stop();
  });

  test('the overview renders it, shows unknown values as text, and runs none of its markup', async ({ page }) => {
    const watch = watchPage(page);
    await page.goto(`${proxy.url}/agents/${FAKE.agentId}#token=${FAKE.token}`);
    const name = page.locator('h1.agent-name');
    await expect(name).toHaveText('agent<img src=x onerror=window.__pwned=1>');
    const summary = page.locator('section', { has: page.getByRole('heading', { name: 'Summary' }) });
    // Unknown status and lifecycle: shown as sent, in the header and the summary.
    await expect(page.locator('.agent-title .badge-label')).toHaveText('exploded');
    await expect(summary.locator('dt', { hasText: /^Status$/ }).locator('+ dd')).toHaveText(/exploded/);
    await expect(summary.locator('dt', { hasText: /^Lifecycle$/ }).locator('+ dd')).toHaveText(/imploding/);
    await expect(summary.locator('dt', { hasText: /^Health$/ }).locator('+ dd')).toHaveText(/<b onmouseover=window.__pwned=3>sick<\/b>/);
    await expect(summary.locator('dt', { hasText: /^Version$/ }).locator('+ dd')).toContainText('<script>window.__pwned=2</script>');
    await expect(summary.locator('dt', { hasText: /^Startup behaviour$/ }).locator('+ dd')).toHaveText('sometimes');
    await expect(summary.locator('dt', { hasText: /^Directory$/ }).locator('+ dd')).toHaveText('—');
    // Missing and null fields: placeholders, not errors.
    const timeline = page.locator('section', { has: page.getByRole('heading', { name: 'Timeline' }) });
    await expect(timeline.locator('dt', { hasText: 'First connected' }).locator('+ dd')).toHaveText('—');
    await expect(page.getByText('No latency reported yet.')).toBeVisible();
    // The cards below the first screen load when they come into view.
    await page.locator('.overview-details').scrollIntoViewIfNeeded();
    await expect(page.getByText('No scripts.')).toBeVisible();
    await expect(page.getByText('No log sources yet.')).toBeVisible();
    const caps = page.locator('section', { has: page.getByRole('heading', { name: 'Capabilities' }) });
    await expect(caps).toContainText('teleporter, web_terminal');
    await expect(caps).toContainText('exploded-subsystem');
    // The app with unknown health, sharing and opening: as text; its javascript: URL is no link.
    const app = page.locator('section', { has: page.getByRole('heading', { name: 'Apps' }) }).locator('tbody tr');
    await expect(app).toContainText('App<img src=x onerror=window.__pwned=5>');
    await expect(app).toContainText('on-fire');
    await expect(app).toContainText('galaxy');
    await expect(app).toContainText('hologram');
    await expect(app).toContainText('<iframe src=javascript:window.__pwned=7>');
    await expect(app.locator('code')).toHaveText('javascript:window.__pwned=6');
    // Nothing of the markup became elements, no javascript: link exists, nothing ran.
    expect(await page.locator('img[src="x"], main script, main iframe, b[onmouseover]').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);
    await expect(page.getByRole('link', { name: 'Troubleshooting guide' })).toHaveCount(0);
    await name.hover();
    expect(await pwned(page)).toBeUndefined();
    // It went through the proxy to the fake coderd.
    expect(fake.seen).toContain(`/api/v2/workspaceagents/${FAKE.agentId}`);
    await expectNotBlank(page);
    watch.check();
  });

  test('the agent list shows it too, with its unknown states as text', async ({ page }) => {
    const watch = watchPage(page);
    await page.goto(`${proxy.url}/#token=${FAKE.token}`);
    await expect(page.getByRole('heading', { name: 'Agents' })).toBeVisible();
    const card = page.locator('li.workspace');
    await expect(card.locator('.workspace-name')).toHaveText('mallory/ws<img src=x onerror=window.__pwned=8>');
    await expect(card).toContainText('agent<img src=x onerror=window.__pwned=1>');
    await expect(card).toContainText('exploded');
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await card.locator('a.agent-link').first().click();
    await expect(page.locator('h1.agent-name')).toHaveText('agent<img src=x onerror=window.__pwned=1>');
    expect(await pwned(page)).toBeUndefined();
    watch.check();
  });

  test('the startup view says this coderd reports no timings, instead of failing', async ({ page }) => {
    const watch = watchPage(page);
    await page.goto(`${proxy.url}/agents/${FAKE.agentId}/startup#token=${FAKE.token}`);
    const notice = page.getByRole('status').filter({ hasText: 'This server does not report startup timings' });
    await expect(notice).toBeVisible();
    await expect(notice).toContainText(FAKE.workspaceId);
    // It asked for the timings of the workspace's latest build, through the proxy.
    expect(fake.seen).toContain(`/api/v2/workspacebuilds/${FAKE.workspaceId}/timings`);
    await expect(page.locator('.startup-chart')).toHaveCount(0);
    expect(await pwned(page)).toBeUndefined();
    watch.check();
  });
});
