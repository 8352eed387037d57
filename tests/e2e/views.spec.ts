// The views of issue 4 against the embedded backend, run three times by the projects in
// playwright.config.ts: desktop, a 360×640 touch phone, and inside an <iframe> of another page.
import { test, expect, Page, APIRequestContext, BrowserContext, Locator } from '@playwright/test';
import { embeddedAgent, expectNoHorizontalScroll, openApp, Root, Service, startHttpService, startHttpsService } from './support/app';
import { SERVER } from './support/server';

test('the overview shows the agent name, status, lifecycle and OS', async ({ page, request }, info) => {
  const agent = await embeddedAgent(request);
  const { root, close } = await openApp(page, info.project.name, `/agents/${agent.id}`);
  try {
    const summary = root.locator('section', { has: root.getByRole('heading', { name: 'Summary' }) });
    await expect(summary).toContainText('Status');
    await expect(summary).toContainText('Connected');
    await expect(summary).toContainText(/Ready|Starting|Created|Start failed/);
    await expect(summary).toContainText('linux');
    if (info.project.name === 'iframe') {
      await expect(root.locator('header.app-header')).toHaveCount(0); // no chrome when embedded
    } else {
      await expect(root.locator('h1.agent-name')).toHaveText(agent.name);
    }
    if (info.project.name === 'phone') await expectNoHorizontalScroll(page);
  } finally {
    await close();
  }
});

test('a re-read of the agent changes only what changed in the overview', async ({ page, request }, info) => {
  const agent = await embeddedAgent(request);
  const { root, close } = await openApp(page, info.project.name, `/agents/${agent.id}`);
  try {
    const summary = root.locator('section', { has: root.getByRole('heading', { name: 'Summary' }) });
    await expect(summary).toContainText('Connected');
    // The agent's heartbeat moves its last-connected and updated times on every re-read; that
    // must not rebuild the rest of the page (a selection or a focused button would go). Other
    // fields can change for real while the machine's scripts run: wait for re-reads that differ
    // only by the heartbeat.
    const rest = async (r: { json(): Promise<Record<string, unknown>> }) => {
      const { last_connected_at: _l, updated_at: _u, ...others } = await r.json();
      return JSON.stringify(others);
    };
    const reread = () => page.waitForResponse((r) => r.url().endsWith(`/api/v2/workspaceagents/${agent.id}`), { timeout: 10_000 });
    let settled = false;
    let before = await rest(await reread());
    for (let attempt = 0; attempt < 5 && !settled; attempt++) {
      await summary.evaluate((section) => {
        const w = window as unknown as { __changes: number; __observer?: MutationObserver };
        w.__observer?.disconnect();
        w.__changes = 0;
        w.__observer = new MutationObserver((records) => { w.__changes += records.length; });
        w.__observer.observe(section, { subtree: true, childList: true, characterData: true });
      });
      const [first, second] = [await rest(await reread()), await rest(await reread())];
      await page.waitForTimeout(100); // let the last answer render
      if (first === before && second === before) {
        settled = true;
        const changes = await summary.evaluate(() => (window as unknown as { __changes: number }).__changes);
        expect(changes, 'DOM changes in the summary across heartbeat-only re-reads').toBe(0);
      }
      before = second;
    }
    expect(settled, 'two re-reads differing only by the heartbeat').toBe(true);
    const timeline = root.locator('section', { has: root.getByRole('heading', { name: 'Timeline' }) });
    await expect(timeline.locator('dd time').first()).toHaveText(/ago|just now/);
  } finally {
    await close();
  }
});

type Agent = Awaited<ReturnType<typeof embeddedAgent>>;

/** The tab a click on `link` opens. */
async function openedByClick(context: BrowserContext, link: Locator): Promise<Page> {
  const opened = context.waitForEvent('page');
  await link.click();
  const tab = await opened;
  await tab.waitForLoadState();
  return tab;
}

/** Starts `service`, opens the ports view the project's way, waits for the service's row and
 *  hands it to `body`; everything is closed afterwards. */
async function withPortRow(
  page: Page, request: APIRequestContext, projectName: string, start: () => Promise<Service>,
  body: (ctx: { agent: Agent; service: Service; root: Root; row: Locator }) => Promise<void>,
) {
  const agent = await embeddedAgent(request);
  const service = await start();
  try {
    const { root, close } = await openApp(page, projectName, `/agents/${agent.id}/ports`);
    try {
      const row = root.locator(`li.port-row[data-port="${service.port}"]`);
      await expect(row).toBeVisible({ timeout: 10_000 });
      await body({ agent, service, root, row });
    } finally {
      await close();
    }
  } finally {
    await service.stop();
  }
}

test('a port opened on the machine appears with a working port-forward link', async ({ page, context, request }, info) => {
  await withPortRow(page, request, info.project.name, startHttpService, async ({ agent, service, row }) => {
    const expected = `http://${service.port}--${agent.name}--${agent.workspace}--${agent.owner}.localhost:${SERVER.port}/`.toLowerCase();
    await expect(row.locator('a.port-url')).toHaveAttribute('href', expected);
    // *.localhost resolves to loopback in Chromium: the link really reaches the service, signed
    // in through the console (the port's host gets a key, never the console's token).
    const tab = await openedByClick(context, row.getByRole('link', { name: `Open port ${service.port}` }));
    await expect(tab.locator('body')).toContainText(`hello from the e2e service on port ${service.port}`);
    expect(tab.url().toLowerCase()).toBe(expected);
    await tab.close();
    if (info.project.name === 'phone') await expectNoHorizontalScroll(page);
  });
});

test('a forwarded port opened without a session asks to sign in, then opens', async ({ context, request }) => {
  const agent = await embeddedAgent(request);
  const service = await startHttpService();
  try {
    const address = `http://${service.port}--${agent.name}--${agent.workspace}--${agent.owner}.localhost:${SERVER.port}/`.toLowerCase();
    const tab = await context.newPage(); // a new tab: nothing of the console's session
    await tab.goto(address);
    await expect(tab).toHaveURL(/\/signin\?app=/);
    await expect(tab.getByRole('status').filter({ hasText: 'Sign in to open' })).toContainText(address);
    await expect(tab.locator('body')).not.toContainText('hello from the e2e service');
    await tab.locator('#token').fill(SERVER.sessionToken);
    await tab.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(tab.locator('body')).toContainText(`hello from the e2e service on port ${service.port}`);
    expect(tab.url().toLowerCase()).toBe(address);
    await tab.close();
  } finally {
    await service.stop();
  }
});

test('a label being typed survives the list refreshing under it', async ({ page, request }, info) => {
  await withPortRow(page, request, info.project.name, startHttpService, async ({ agent, row }) => {
    const input = row.locator('.port-label input');
    await input.click();
    await input.pressSequentially('half-typed');
    // Two refreshes of the list (every 1.5 s) while the label is neither saved nor left.
    for (let i = 0; i < 2; i++) {
      await page.waitForResponse((r) => r.url().includes(`/workspaceagents/${agent.id}/listening-ports`), { timeout: 10_000 });
    }
    await page.waitForTimeout(100); // let the answer render
    await expect(input).toHaveValue('half-typed');
    await expect(input).toBeFocused();
    await input.fill('');
  });
});

test('a port that speaks TLS is reached with the HTTPS choice', async ({ page, context, request }, info) => {
  await withPortRow(page, request, info.project.name, startHttpsService, async ({ agent, service, root, row }) => {
    // The radio is hidden behind its label, which is what a user presses.
    await root.locator('.segmented label').filter({ hasText: /^HTTPS$/ }).click();
    await expect(root.locator('input[name="port-protocol"][value="https"]')).toBeChecked();
    // The console's own scheme stays http; the `s` tells it to speak TLS to the port.
    const expected = `http://${service.port}s--${agent.name}--${agent.workspace}--${agent.owner}.localhost:${SERVER.port}/`.toLowerCase();
    await expect(row.locator('a.port-url')).toHaveAttribute('href', expected);
    const open = row.getByRole('link', { name: `Open port ${service.port}` });
    const tab = await openedByClick(context, open);
    await expect(tab.locator('body')).toContainText(`hello over TLS from the e2e service on port ${service.port}`);
    await tab.close();
    // The choice is remembered for the workspace; put it back for the other tests. Without the
    // `s`, the same port answers an explanation, not a blank page.
    await root.locator('.segmented label').filter({ hasText: /^HTTP$/ }).click();
    await expect(row.locator('a.port-url')).toHaveAttribute('href', expected.replace(`${service.port}s--`, `${service.port}--`));
    const plain = await openedByClick(context, open);
    await expect(plain.locator('body')).toContainText(`The server on port ${service.port} did not answer properly.`);
    await plain.close();
  });
});

test('connect to port refuses ports outside 9–65535', async ({ page, request }, info) => {
  const agent = await embeddedAgent(request);
  const { root, close } = await openApp(page, info.project.name, `/agents/${agent.id}/ports`);
  try {
    await root.locator('#connect-port').fill('8');
    await root.getByRole('button', { name: 'Open', exact: true }).last().click();
    await expect(root.locator('#connect-error')).toContainText('9 to 65535');
  } finally {
    await close();
  }
});

test('the network view lists the DERP regions live', async ({ page, request }, info) => {
  const agent = await embeddedAgent(request);
  const { root, close } = await openApp(page, info.project.name, `/agents/${agent.id}/network`);
  try {
    await expect(root.locator('.region-name').first()).toBeVisible();
    await expect(root.getByText(/Live · \d+ update/)).toBeVisible();
    await expect(root.getByText('Direct connections')).toBeVisible();
    await expect(root.locator('#net-coord').locator('..')).toContainText(/Reachable|Unreachable/);
    if (info.project.name === 'phone') await expectNoHorizontalScroll(page);
  } finally {
    await close();
  }
});

test('a log line sent from the tools page reaches the agent logs', async ({ page, request }, info) => {
  const agent = await embeddedAgent(request);
  const { root, close } = await openApp(page, info.project.name, '/tools');
  try {
    const line = `e2e line ${info.project.name} ${Date.now()}`;
    await root.locator('#agent-token').fill(SERVER.agentToken);
    await root.locator('#logs-text').fill(line);
    await root.locator('form', { has: root.locator('#logs-text') }).getByRole('button', { name: 'Send' }).click();
    await expect(root.locator('.outcome').first()).toContainText('Sent 1 line');
    const logs = await request.get(`${SERVER.url}/api/v2/workspaceagents/${agent.id}/logs`, {
      headers: { 'Coder-Session-Token': SERVER.sessionToken },
    });
    expect((await logs.json()).map((l: { output: string }) => l.output)).toContain(line);
  } finally {
    await close();
  }
});

test('a refused agent token is explained and does not sign the user out', async ({ page }, info) => {
  const { root, close } = await openApp(page, info.project.name, '/tools');
  try {
    await root.locator('#agent-token').fill('wrong-agent-token');
    await root.getByRole('button', { name: 'Fetch public key' }).click();
    await expect(root.getByText('The server refused this agent token.')).toBeVisible();
    await expect(root.getByRole('heading', { name: 'Agent tools' })).toBeVisible();
  } finally {
    await close();
  }
});

test('an unknown agent shows a not-found view, not a blank page', async ({ page }, info) => {
  const { root, close } = await openApp(page, info.project.name, '/agents/00000000-0000-0000-0000-000000000000');
  try {
    await expect(root.getByRole('heading', { name: 'Not found' })).toBeVisible();
  } finally {
    await close();
  }
});

test('the log viewer follows live lines', async ({ page, request }, info) => {
  const agent = await embeddedAgent(request);
  const { root, close } = await openApp(page, info.project.name, `/agents/${agent.id}/logs`);
  try {
    // Other tests post many lines to the same agent: following shows the newest, whatever came before.
    await expect(root.locator('.log-row').first()).toBeVisible();
    await expect(root.locator('.feed-state')).toHaveText(/Live/);
    const marker = `views-live-${info.project.name}-${Date.now()}`;
    const res = await request.patch(`${SERVER.url}/api/v2/workspaceagents/me/logs`, {
      headers: { 'Coder-Session-Token': SERVER.agentToken },
      data: { logs: [{ created_at: new Date().toISOString(), level: 'warn', output: marker }] },
    });
    expect(res.status()).toBe(200);
    await expect(root.locator('.log-row', { hasText: marker })).toBeVisible();
    if (info.project.name === 'phone') await expectNoHorizontalScroll(page);
  } finally {
    await close();
  }
});

test('a refused session token leads to sign-in with the reason', async ({ page, request }, info) => {
  const agent = await embeddedAgent(request);
  const { root, close } = await openApp(page, info.project.name, `/agents/${agent.id}`, 'not-the-right-token');
  try {
    await expect(root.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(root.getByText('You were signed out')).toBeVisible();
    await expect(root.locator('#token')).toBeVisible();
    if (info.project.name === 'phone') await expectNoHorizontalScroll(page);
  } finally {
    await close();
  }
});

test('the startup timeline draws the demo agent\'s connection and scripts', async ({ page, request }, info) => {
  const agent = await embeddedAgent(request);
  const { root, close } = await openApp(page, info.project.name, `/agents/${agent.id}/startup`);
  try {
    const rows = root.locator('.startup-chart .row');
    await expect(rows.filter({ hasText: 'Agent connection' })).toHaveCount(1);
    await expect.poll(() => rows.count()).toBeGreaterThan(1);
    // The demo's scripts succeed; each says so in words and gives its duration.
    await expect(rows.filter({ hasText: '✓ Succeeded' }).first()).toContainText(/· [\d.]+ (ms|s)/);
    await expect(root.locator('.startup-summary')).toContainText('None failed');
    await rows.first().focus();
    await expect(root.locator('.bar-details')).toContainText('Agent connection');
    if (info.project.name === 'phone') {
      await expectNoHorizontalScroll(page);
      expect(await root.locator('.chart-frame').evaluate((f) => f.scrollWidth > f.clientWidth)).toBe(true);
    }
  } finally {
    await close();
  }
});
