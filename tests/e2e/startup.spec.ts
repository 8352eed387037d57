// Issue 16 in the browser: an embedded agent with three start scripts (one succeeds, one exits 3,
// one times out). The startup chart draws them live while they run, then with their outcomes and
// durations (checked against the server's own timings); the failed bar opens its logs; the
// overview marks the failed script.
import { test, expect, type Page } from '@playwright/test';
import { embeddedAgent } from './support/app';
import { SERVER } from './support/server';
import { PRIVATE_PORTS, firstAgent, startConfiguredServer, watchPage, type PrivateServer } from './support/private';

const CONFIG = `
[[scripts]]
display_name = "Fetch sources"
script = "echo fetched the sources; sleep 2"
start_blocks_login = true
timeout_seconds = 60

[[scripts]]
display_name = "Run migrations"
script = "echo 'migration 7 failed: relation users does not exist'; sleep 3; exit 3"
timeout_seconds = 60

[[scripts]]
display_name = "Wait for the database"
script = "echo waiting for the database; sleep 60"
timeout_seconds = 6
`;

/** What the chart's row of `name` says: its accessible label and its outcome text. */
function row(page: Page, name: string) {
  return page.locator('.startup-chart .row', { has: page.locator('.row-label', { hasText: name }) });
}

/** Seconds from a duration as the chart writes it ("2.0 s", "850 ms"). */
function seconds(text: string): number {
  const ms = text.match(/· ([\d.]+) ms/);
  if (ms) return Number(ms[1]) / 1000;
  const s = text.match(/· ([\d.]+) s/);
  expect(s, `a duration in ${JSON.stringify(text)}`).not.toBeNull();
  return Number(s![1]);
}

test.describe('the startup timeline of three scripts', () => {
  let srv: PrivateServer;
  test.beforeAll(async () => {
    srv = await startConfiguredServer(PRIVATE_PORTS.startup, CONFIG);
  });
  test.afterAll(async () => {
    await srv?.stop();
  });

  test('runs live, then shows each outcome and duration; the failed bar opens its logs', async ({ page }) => {
    test.setTimeout(90_000);
    const watch = watchPage(page);
    const agent = await firstAgent(srv);
    await page.goto(`${srv.url}/agents/${agent.id}/startup#token=${srv.sessionToken}`);

    // While the agent starts, the slow script's bar runs and grows.
    const slow = row(page, 'Wait for the database');
    await expect(slow.locator('.row-outcome')).toContainText('Running', { timeout: 10_000 });
    const first = seconds((await slow.locator('.row-outcome').textContent())!);
    await expect.poll(async () => seconds((await slow.locator('.row-outcome').textContent())!)).toBeGreaterThan(first);
    await expect(slow.locator('rect.bar.running')).toHaveCount(1);

    // Then every script has its outcome, in words beside its symbol.
    await expect(slow.locator('.row-outcome')).toContainText('✕ Timed out', { timeout: 20_000 });
    const ok = row(page, 'Fetch sources');
    const failed = row(page, 'Run migrations');
    await expect(ok.locator('.row-outcome')).toContainText('✓ Succeeded');
    await expect(failed.locator('.row-outcome')).toContainText('✕ Failed (exit 3)');
    await expect(row(page, 'Agent connection').locator('.row-outcome')).toContainText('Connected');
    // "Fetch sources" blocks login and finished last of the blocking ones.
    await expect(ok.locator('.row-outcome')).toContainText('logins waited for it');

    // Durations: what the chart says is within 10 % of the server's timings and of the scripts'
    // real lengths (2 s, 3 s, then the 6 s timeout).
    const res = await fetch(`${srv.url}/api/v2/workspaces`, { headers: { 'Coder-Session-Token': srv.sessionToken } });
    const build = (await res.json()).workspaces[0].latest_build.id;
    const timings = await (await fetch(`${srv.url}/api/v2/workspacebuilds/${build}/timings`, {
      headers: { 'Coder-Session-Token': srv.sessionToken },
    })).json();
    const real = (name: string) => {
      const t = timings.agent_script_timings.find((t: { display_name: string }) => t.display_name === name);
      return (Date.parse(t.ended_at) - Date.parse(t.started_at)) / 1000;
    };
    for (const [name, length] of [['Fetch sources', 2], ['Run migrations', 3], ['Wait for the database', 6]] as const) {
      const shown = seconds((await row(page, name).locator('.row-outcome').textContent())!);
      expect(Math.abs(shown - real(name)), `${name}: shown ${shown} s, recorded ${real(name)} s`).toBeLessThanOrEqual(real(name) * 0.1);
      expect(Math.abs(shown - length), `${name}: shown ${shown} s, ran about ${length} s`).toBeLessThanOrEqual(length * 0.1);
    }
    // The bars' lengths keep those proportions on the axis.
    const width = async (name: string) => Number(await row(page, name).locator('rect.bar').getAttribute('width'));
    const ratio = (await width('Wait for the database')) / (await width('Fetch sources'));
    const expected = real('Wait for the database') / real('Fetch sources');
    expect(Math.abs(ratio - expected)).toBeLessThanOrEqual(expected * 0.1);
    await expect(page.locator('.startup-summary')).toContainText('2 failed');
    await expect(page.locator('.startup-summary')).toContainText('Logins waited for');

    // Focus shows a bar's details; Enter on the failed one opens its logs, on its source alone.
    await failed.focus();
    const details = page.locator('.bar-details');
    await expect(details).toContainText('Run migrations');
    await expect(details).toContainText('Exit code');
    await expect(details.locator('dd', { hasText: /^3$/ })).toHaveCount(1);
    await expect(details.locator('code')).toHaveText('exit_failure');
    await failed.press('Enter');
    await expect(page).toHaveURL(/\/logs\?source=[0-9a-f-]{36}$/);
    await expect(page.locator('.focus-notice')).toContainText('Showing only Run migrations');
    await expect(page.locator('.log-row', { hasText: 'migration 7 failed' })).toBeVisible();
    await expect(page.locator('.log-row', { hasText: 'fetched the sources' })).toHaveCount(0);
    // "Show all sources" brings the others back.
    await page.getByRole('button', { name: 'Show all sources' }).click();
    await expect(page.locator('.log-row', { hasText: 'fetched the sources' })).toBeVisible();

    // The overview marks the failed script and tells it apart from connectivity.
    await page.goto(`${srv.url}/agents/${agent.id}#token=${srv.sessionToken}`);
    // The scripts card is below the first screen: it loads when it comes into view.
    await page.locator('.overview-details').scrollIntoViewIfNeeded();
    const scripts = page.locator('section', { has: page.getByRole('heading', { name: 'Scripts', exact: true }) });
    const failedScript = scripts.locator('li.script.failed', { hasText: 'Run migrations' });
    await expect(failedScript.locator('.badge-label', { hasText: 'Failed (exit 3)' })).toBeVisible();
    await expect(scripts.locator('li.script:not(.failed)', { hasText: 'Fetch sources' }).locator('.badge-label', { hasText: 'Succeeded' })).toBeVisible();
    const took = failedScript.locator('dt', { hasText: 'Took' }).locator('+ dd');
    await expect(took).toHaveText(/^\d\.\d s$/);
    expect(Math.abs(Number((await took.textContent())!.split(' ')[0]) - real('Run migrations'))).toBeLessThanOrEqual(0.3);
    const summary = page.locator('section', { has: page.getByRole('heading', { name: 'Summary' }) });
    await expect(summary.locator('dt', { hasText: /^Scripts$/ }).locator('+ dd')).toHaveText(/2 of 3 failed/);
    await expect(summary.locator('dt', { hasText: /^Status$/ }).locator('+ dd')).toHaveText(/Connected/);

    // Without an address to a source, the logs view opens on a failed script's source.
    await page.goto(`${srv.url}/agents/${agent.id}/logs#token=${srv.sessionToken}`);
    await expect(page.locator('.focus-notice')).toContainText(/Showing only (Run migrations|Wait for the database), whose script failed/);
    watch.check();
  });

  test('a tap on a phone shows a bar\'s details first, the chart scrolls inside itself', async ({ browser }) => {
    const context = await browser.newContext({ viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true, serviceWorkers: 'block' });
    const page = await context.newPage();
    try {
      const agent = await firstAgent(srv);
      await page.goto(`${srv.url}/agents/${agent.id}/startup#token=${srv.sessionToken}`);
      const failed = row(page, 'Run migrations');
      await expect(failed.locator('.row-outcome')).toContainText('Failed (exit 3)', { timeout: 20_000 });
      const frame = page.locator('.chart-frame');
      expect(await frame.evaluate((f) => f.scrollWidth > f.clientWidth)).toBe(true);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      await failed.locator('.row-label').tap();
      await expect(page.locator('.bar-details')).toContainText('Run migrations');
      await expect(page).toHaveURL(/\/startup$/);
      await page.locator('.bar-details').getByRole('link', { name: 'Open its logs' }).tap();
      await expect(page).toHaveURL(/\/logs\?source=/);
      await expect(page.locator('.log-row', { hasText: 'migration 7 failed' })).toBeVisible();
    } finally {
      await context.close();
    }
  });
});

/** Ten thousand script timings as a hostile coderd could send them: markup, escape sequences and
 *  a 10,000-character name, an end before its start, one still running, unknown stage and status. */
function hostileTimings(agent: { id: string; name: string }) {
  const t0 = Date.now() - 600_000;
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  const base = { workspace_agent_id: agent.id, workspace_agent_name: agent.name };
  const names = ['<img src=x onerror=window.__pwned=16>', '\x1b[31mred\x1b[0m \x07bell', 'n'.repeat(10_000)];
  return {
    provisioner_timings: [],
    agent_connection_timings: [{ ...base, started_at: at(0), ended_at: at(800), stage: 'connect' }],
    agent_script_timings: Array.from({ length: 10_000 }, (_, i) => ({
      ...base,
      started_at: at(1000 + i * 20),
      ended_at: i === 3 ? at(500) : i === 4 ? null : at(1500 + i * 37),
      exit_code: i % 7 === 0 ? 2 : 0,
      stage: i === 5 ? 'warmup' : 'start',
      status: i === 6 ? 'exploded' : i % 7 === 0 ? 'exit_failure' : 'ok',
      display_name: names[i] ?? `script ${i}`,
    })),
  };
}

test('ten thousand hostile timings: drawn as text, only the rows in view are in the page, scroll and Tab reach the rest', async ({ page, request }) => {
  const watch = watchPage(page);
  const agent = await embeddedAgent(request);
  // The answer is crafted; the page and the server are the real ones.
  const body = JSON.stringify(hostileTimings(agent));
  await page.route('**/api/v2/workspacebuilds/*/timings', (route) => route.fulfill({ status: 200, contentType: 'application/json', body }));
  await page.goto(`${SERVER.url}/agents/${agent.id}/startup#token=${SERVER.sessionToken}`);
  const chart = page.locator('.startup-chart');
  await expect(chart.locator('.row').first()).toContainText('Agent connection');
  await expect(page.getByRole('note').filter({ hasText: 'more scripts are not drawn' })).toBeVisible();
  // Markup and escape sequences are text.
  await expect(chart.locator('.row-label', { hasText: '<img src=x' })).toHaveCount(1);
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(await chart.locator('.row-label').allTextContents()).not.toContainEqual(expect.stringContaining('\x1b'));
  // The summary names a few failed scripts and counts the rest.
  await expect(page.locator('.startup-summary')).toContainText(/and \d+ more/);
  // A thousand rows have their place, a few dozen are in the page.
  const frame = page.locator('.chart-frame');
  expect(await chart.evaluate((svg: SVGSVGElement) => svg.height.baseVal.value)).toBeGreaterThan(1000 * 20);
  const inPage = await chart.locator('.row').count();
  expect(inPage).toBeGreaterThan(5);
  expect(inPage).toBeLessThan(100);
  // Scrolled to its end, the frame shows the last drawn row.
  await frame.evaluate((f) => { f.scrollTop = f.scrollHeight; });
  await expect(chart.locator('.row[data-row="999"]')).toBeVisible();
  await frame.evaluate((f) => { f.scrollTop = 0; });
  await expect(chart.locator('.row[data-row="0"]')).toBeVisible();
  // Tab walks down past the first band: each focused row is drawn, in view and in the details.
  await chart.locator('.row[data-row="0"]').focus();
  for (let i = 0; i < 60; i++) await page.keyboard.press('Tab');
  await expect(chart.locator('.row[data-row="60"]')).toBeFocused();
  const label = await chart.locator('.row[data-row="60"] .row-label').textContent();
  await expect(page.locator('.bar-details .details-name')).toContainText(label!);
  expect(await frame.evaluate((f) => f.scrollTop)).toBeGreaterThan(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  watch.check();
});
