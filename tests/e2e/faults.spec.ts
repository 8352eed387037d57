// The app under server faults, in a real Chromium against a server of this spec's own started with
// `--enable-fault-injection` (faults would disturb the other specs' shared server). Faults are
// switched at run time through `PUT/DELETE /__faults` (crates/server/src/faults.rs).
//
// For every fault, on the views it touches: the app keeps working or says what is wrong (never a
// blank view), no uncaught error and no Rust panic reaches the console, and once the fault is
// cleared the view recovers by itself, without a reload.
import { test, expect, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { startHttpService } from './support/app';
import {
  PRIVATE_PORTS, expectNotBlank, firstAgent, patchLines, serverLogLines, startServer, watchPage, type PrivateServer,
} from './support/private';

let srv: PrivateServer;
let agent: Awaited<ReturnType<typeof firstAgent>>;

test.beforeAll(async () => {
  srv = await startServer(PRIVATE_PORTS.faults, ['--enable-fault-injection']);
  agent = await firstAgent(srv);
});

test.afterAll(async () => {
  await srv?.stop();
});

async function setFaults(spec: string) {
  const res = await fetch(`${srv.url}/__faults`, {
    method: 'PUT',
    headers: { 'Coder-Session-Token': srv.sessionToken, 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });
  expect(res.status, await res.text()).toBe(200);
}

async function clearFaults() {
  const res = await fetch(`${srv.url}/__faults`, { method: 'DELETE', headers: { 'Coder-Session-Token': srv.sessionToken } });
  expect(res.status).toBe(200);
}

/** What the fault layer did since the spec was set. */
async function faultCounters(): Promise<{ affected_requests: number; dropped_websockets: number }> {
  const res = await fetch(`${srv.url}/__faults`, { headers: { 'Coder-Session-Token': srv.sessionToken } });
  return res.json();
}

test.afterEach(async () => {
  await clearFaults();
});

/** Opens a view of the agent, signed in through the link fragment. */
async function open(page: Page, view = '') {
  await page.goto(`${srv.url}/agents/${agent.id}${view}#token=${srv.sessionToken}`);
}

const agentPath = () => `/api/v2/workspaceagents/${agent.id}`;
const alert = (page: Page, title: string | RegExp) => page.getByRole('alert').filter({ hasText: title });
const summary = (page: Page) => page.getByRole('heading', { name: 'Summary' });

for (const code of [500, 503]) {
  test(`status ${code} on the agent route: the overview says what failed, then recovers`, async ({ page }) => {
    const watch = watchPage(page);
    await setFaults(`status=${code},path=${agentPath()}`);
    await open(page);
    // The app retries a few times, then explains, in the server's own words.
    const error = alert(page, `The server failed (${code})`);
    await expect(error).toBeVisible();
    await expect(error).toContainText(`Injected fault: ${code}.`);
    await expect(error).toContainText('keeps retrying');
    await expectNotBlank(page);
    expect((await faultCounters()).affected_requests).toBeGreaterThan(0);

    await clearFaults();
    await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
    await expect(summary(page)).toBeVisible();
    await expect(error).toHaveCount(0);

    // While the overview is shown, the same fault keeps the last good data on screen beside a banner.
    await setFaults(`status=${code},path=${agentPath()}`);
    await expect(page.locator('.error-banner')).toContainText(`The server failed (${code})`);
    await expect(summary(page)).toBeVisible();
    await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
    await clearFaults();
    await expect(page.locator('.error-banner')).toHaveCount(0);
    watch.check();
  });
}

test('malformed JSON on the agent route is explained, then the overview recovers', async ({ page }) => {
  const watch = watchPage(page);
  await setFaults(`malformed-json,path=${agentPath()}`);
  await open(page);
  const error = alert(page, 'Unexpected answer from the server');
  await expect(error).toBeVisible();
  await expect(error).toContainText('could not be read');
  await expectNotBlank(page);
  await clearFaults();
  await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
  await expect(summary(page)).toBeVisible();
  await expect(error).toHaveCount(0);
  watch.check();
});

test('a truncated agent answer is a connection problem, then the overview recovers', async ({ page }) => {
  const watch = watchPage(page);
  await setFaults(`truncate,path=${agentPath()}`);
  await open(page);
  const error = page.getByRole('alert');
  await expect(error.first()).toBeVisible();
  await expect(error.first()).toContainText('Cannot reach the server');
  await expectNotBlank(page);
  await clearFaults();
  await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
  await expect(error).toHaveCount(0);
  watch.check();
});

test('a slow agent answer shows a loading state, then the overview', async ({ page }) => {
  const watch = watchPage(page);
  await setFaults(`delay-ms=3000,path=${agentPath()}`);
  await open(page);
  await expect(page.getByRole('status', { name: 'Loading' })).toBeVisible();
  await expect(summary(page)).toHaveCount(0);
  await expect(page.locator('h1.agent-name')).toHaveText(agent.name, { timeout: 20_000 });
  await expect(summary(page)).toBeVisible();
  watch.check();
});

test('ports: malformed, truncated and slow answers are explained, and the list comes back', async ({ page }) => {
  const watch = watchPage(page);
  const service = await startHttpService();
  try {
    const portsPath = `${agentPath()}/listening-ports`;
    const row = page.locator(`li.port-row[data-port="${service.port}"]`);
    await setFaults(`delay-ms=2500,path=${portsPath}`);
    await open(page, '/ports');
    await expect(page.locator('.ports').getByRole('status', { name: 'Loading' })).toBeVisible();
    await expect(row).toBeVisible({ timeout: 20_000 });

    await setFaults(`malformed-json,path=${portsPath}`);
    const banner = page.locator('.ports .error-banner');
    await expect(banner).toContainText('Unexpected answer from the server');
    await expect(row).toBeVisible(); // the last good list stays
    await clearFaults();
    await expect(banner).toHaveCount(0);

    await setFaults(`truncate=10,path=${portsPath}`);
    await expect(banner).toContainText('Cannot reach the server');
    await expect(row).toBeVisible();
    await clearFaults();
    await expect(banner).toHaveCount(0);
    await expect(row).toBeVisible();
    await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
  } finally {
    await service.stop();
  }
  watch.check();
});

test('ports: a failing workspace read is explained, and the rows say there is no link instead of waiting', async ({ page }) => {
  const watch = watchPage(page);
  const service = await startHttpService();
  try {
    await setFaults('status=500,path=/api/v2/workspaces');
    await open(page, '/ports');
    const row = page.locator(`li.port-row[data-port="${service.port}"]`);
    await expect(row).toBeVisible({ timeout: 20_000 }); // the ports read itself works
    const banner = page.locator('.ports .error-banner');
    await expect(banner).toBeVisible({ timeout: 20_000 });
    await expect(banner).toContainText('The server failed (500)');
    await expect(row).toContainText('No link: a read it needs failed');
    await expect(row.getByText('Preparing the link…')).toHaveCount(0);
  } finally {
    await service.stop();
  }
  watch.check();
});

async function downloadLines(page: Page): Promise<string[]> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download shown', exact: true }).click(),
  ]);
  return (await readFile(await download.path(), 'utf8')).split('\n').filter((l) => l.length > 0);
}

test('logs: the follow socket dropped every few frames while lines arrive loses and doubles nothing', async ({ page }) => {
  test.setTimeout(90_000);
  const watch = watchPage(page);
  await open(page, '/logs');
  await expect(page.locator('.feed-state')).toHaveText(/Live/);
  const run = `drop-${Date.now()}`;
  const sent: string[] = [];
  const send = async (batch: number) => {
    const lines = Array.from({ length: 20 }, (_, i) => `${run} ${String(batch * 20 + i).padStart(4, '0')}`);
    sent.push(...lines);
    await patchLines(srv, lines);
    await page.waitForTimeout(200);
  };
  // Abrupt drops (no close frame: the browser sees 1006), then clean 1011 closes.
  await setFaults('ws-drop-every=2');
  for (let b = 0; b < 6; b++) await send(b);
  const abrupt = (await faultCounters()).dropped_websockets;
  await setFaults('ws-drop-every=2,ws-drop=1011');
  for (let b = 6; b < 12; b++) await send(b);
  await expect.poll(async () => (await faultCounters()).dropped_websockets).toBeGreaterThanOrEqual(2);
  expect(abrupt).toBeGreaterThanOrEqual(2);

  await clearFaults();
  // Recovered without a reload: a new line arrives live.
  const after = `${run} after-the-faults`;
  await patchLines(srv, [after]);
  sent.push(after);
  await expect(page.locator('.log-row', { hasText: after })).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('.feed-state')).toHaveText(/Live/);

  const shown = (await downloadLines(page)).filter((l) => l.includes(run)).map((l) => l.slice(l.indexOf(run)));
  expect(shown).toEqual(sent);
  const held = (await serverLogLines(srv, agent.id)).filter((l) => l.includes(run));
  expect(shown).toEqual(held);
  watch.check();
});

// A failing backlog request (a 503, or a body that is not JSON) is retried like a broken
// connection; the reason is on the badge, and the lines appear once the server answers well.
for (const [what, fault, reason] of [
  ['a failing backlog request', 'status=503', /Injected fault: 503\./],
  ['a malformed backlog', 'malformed-json', /Unexpected answer from the server/],
] as const) {
  test(`logs: ${what} is retried, and the lines appear once it is readable`, async ({ page }) => {
    const watch = watchPage(page);
    const marker = `backlog-${fault}-${Date.now()}`;
    await patchLines(srv, [marker]);
    await setFaults(`${fault},path=${agentPath()}/logs`);
    await open(page, '/logs');
    await expect(page.locator('.feed-state')).toHaveText(/Reconnecting/);
    await expect(page.locator('.feed-state .badge')).toHaveAttribute('title', reason);
    await expect(page.locator('.log-row', { hasText: marker })).toHaveCount(0);
    await expectNotBlank(page);
    await clearFaults();
    await expect(page.locator('.log-row', { hasText: marker })).toBeVisible({ timeout: 30_000 });
    await expect(page.locator('.feed-state')).toHaveText(/Live/);
    watch.check();
  });
}

// While the backlog request fails, the list must not claim the agent has no lines: it says why
// nothing is shown (the server's reason), not only in the badge's tooltip.
test('logs: while the backlog fails, the view says why instead of "no lines"', async ({ page }) => {
  await setFaults(`status=503,path=${agentPath()}/logs`);
  await open(page, '/logs');
  await expect(page.locator('.feed-state')).toHaveText(/Reconnecting/);
  await expect(page.getByText('Injected fault: 503.')).toBeVisible({ timeout: 5_000 });
  await expect(page.getByText('No log lines yet')).toHaveCount(0, { timeout: 1_000 });
});

test('logs: a backlog cut off mid-way is read again, and nothing is lost or doubled', async ({ page }) => {
  const watch = watchPage(page);
  const run = `cut-${Date.now()}`;
  const sent = Array.from({ length: 600 }, (_, i) => `${run} ${String(i).padStart(4, '0')} ${'.'.repeat(40)}`);
  await patchLines(srv, sent);
  // Every second backlog request gets half its body, then the connection closes; the first one
  // is spent here so that the page's first request is the one cut.
  const logsPath = `${agentPath()}/logs`;
  await setFaults(`truncate,every=2,path=${logsPath}`);
  await fetch(`${srv.url}${logsPath}`, { headers: { 'Coder-Session-Token': srv.sessionToken } });
  const backlogRequests: string[] = [];
  page.on('request', (r) => { if (r.url().includes(logsPath) && !r.url().includes('follow')) backlogRequests.push(r.url()); });
  await open(page, '/logs');
  await expect(page.locator('.log-row', { hasText: sent[sent.length - 1] })).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('.feed-state')).toHaveText(/Live/);
  // The first answer was cut, so the page had to ask again.
  expect(backlogRequests.length).toBeGreaterThanOrEqual(2);
  await clearFaults();
  const shown = (await downloadLines(page)).filter((l) => l.includes(run)).map((l) => l.slice(l.indexOf(run)));
  expect(shown).toEqual(sent);
  watch.check();
});

// ---- terminal ----

const termText = (page: Page) => page.evaluate(() => (window as unknown as { __agentConsoleTerminalText?: () => string }).__agentConsoleTerminalText?.() ?? '');
const termStatus = (page: Page) => page.locator('.terminal-status .badge-label');

async function termConnected(page: Page) {
  await expect(termStatus(page)).toHaveText('Connected', { timeout: 30_000 });
  await expect.poll(async () => (await termText(page)).trim().length, { timeout: 15_000 }).toBeGreaterThan(0);
}

async function type(page: Page, line: string) {
  await page.locator('.terminal-host').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

const lines = async (page: Page) => (await termText(page)).split('\n').map((l) => l.trim());

test('terminal: dropped every few frames, the session resumes with its shell state and output', async ({ page }) => {
  test.setTimeout(90_000);
  const watch = watchPage(page);
  await open(page, '/terminal');
  await termConnected(page);
  const reconnectId = new URL(page.url()).searchParams.get('reconnect');
  await type(page, 'export AC_FAULT=kept-$((40+2)); clear');
  await expect.poll(async () => (await lines(page)).some((l) => l.includes('kept-'))).toBe(false);
  // The loop waits a moment so the fault is on before it prints.
  await type(page, 'sleep 1; for i in 1 2 3 4 5 6 7 8 9; do echo tick-$i; sleep 0.4; done');
  await setFaults('ws-drop-every=2');
  await expect.poll(async () => (await faultCounters()).dropped_websockets, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
  await clearFaults();

  await termConnected(page);
  expect(new URL(page.url()).searchParams.get('reconnect')).toBe(reconnectId);
  // Every line the loop printed is on the screen once: the replay after each re-attach
  // neither loses nor repeats output.
  await expect.poll(async () => (await lines(page)).includes('tick-9'), { timeout: 20_000 }).toBe(true);
  const ticks = (await lines(page)).filter((l) => /^tick-\d$/.test(l));
  expect(ticks).toEqual(Array.from({ length: 9 }, (_, i) => `tick-${i + 1}`));
  await type(page, 'echo got-$AC_FAULT');
  await expect.poll(async () => (await lines(page)).includes('got-kept-42')).toBe(true);
  watch.check();
});

test('terminal: a refused connection (503) is shown as reconnecting, then the shell attaches', async ({ page }) => {
  const watch = watchPage(page);
  await setFaults(`status=503,path=${agentPath()}/pty`);
  await open(page, '/terminal');
  await expect(termStatus(page)).toHaveText(/Reconnecting|Connecting/);
  await expect.poll(async () => (await faultCounters()).affected_requests).toBeGreaterThanOrEqual(1);
  await expect(termStatus(page)).toHaveText(/Reconnecting/);
  await clearFaults();
  await termConnected(page);
  await type(page, 'echo up-$((6*7))');
  await expect.poll(async () => (await lines(page)).includes('up-42')).toBe(true);
  watch.check();
});

test('a panic while answering one request ends only that request: the open terminal and the API go on', async ({ page }) => {
  const watch = watchPage(page);
  await open(page, '/terminal');
  await termConnected(page);
  await type(page, 'export AC_PANIC=kept-$((40+2))');
  // The release binary: with panics aborting, the first of these would end the process.
  await setFaults('panic,path=/api/v2/buildinfo');
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${srv.url}/api/v2/buildinfo`);
    expect(res.status).toBe(500);
    expect((await res.json()).message).toBe('Internal error.');
  }
  expect((await faultCounters()).affected_requests).toBe(3);
  await clearFaults();
  const res = await fetch(`${srv.url}/api/v2/buildinfo`);
  expect(res.status).toBe(200);
  // The same shell, never disconnected.
  await type(page, 'echo still-$AC_PANIC');
  await expect.poll(async () => (await lines(page)).includes('still-kept-42')).toBe(true);
  await expect(termStatus(page)).toHaveText('Connected');
  watch.check();
});

// ---- network ----

test('network: the DERP map socket dropped after every map says so, reconnects and keeps the regions', async ({ page }) => {
  const watch = watchPage(page);
  let mapSockets = 0;
  page.on('websocket', (ws) => { if (ws.url().includes('/derp-map')) mapSockets += 1; });
  // Each connection delivers one map, then is cut without a close frame (the embedded map never
  // changes, so only sockets opened under the fault see it).
  await setFaults('ws-drop-every=1');
  await open(page, '/network');
  const badge = page.locator('#net-derp').locator('..').locator('.badge-label');
  const problem = page.locator('section', { has: page.locator('#net-derp') }).getByRole('status');
  await expect(page.locator('.region-name').first()).toBeVisible();
  await expect(badge).toHaveText('Not live');
  await expect(problem).toContainText('The map stream closed');
  // It keeps reconnecting by itself, and the last map stays on screen.
  await expect.poll(() => mapSockets, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
  expect((await faultCounters()).dropped_websockets).toBeGreaterThanOrEqual(2);
  await expect(page.locator('.region-name').first()).toBeVisible();

  await clearFaults();
  await expect(badge).toHaveText(/^Live · \d+ updates?$/, { timeout: 20_000 });
  await expect(problem).toHaveCount(0);
  // Live for good: no more reconnects.
  const settled = mapSockets;
  await page.waitForTimeout(2_500);
  expect(mapSockets).toBe(settled);
  await expect(badge).toHaveText(/^Live/);
  await expect(page.locator('.region-name').first()).toBeVisible();
  watch.check();
});

test('network: a failing connection-info request is explained beside the live map, and retried until it answers', async ({ page }) => {
  const watch = watchPage(page);
  await setFaults(`status=500,path=${agentPath()}/connection`);
  await open(page, '/network');
  const card = page.locator('section', { has: page.locator('#net-conn') });
  await expect(card.locator('.error-banner')).toContainText('The server failed (500)');
  await expect(page.locator('.region-name').first()).toBeVisible();
  await clearFaults();
  await expect(card.getByText('Direct connections')).toBeVisible({ timeout: 20_000 });
  await expect(card.locator('.error-banner')).toHaveCount(0);
  watch.check();
});
