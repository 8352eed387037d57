// Issue 17, the overview's metadata card: the embedded agent's default items measure this
// machine for real; configured items change on their interval, a hanging one shows its timeout,
// hostile values are text; and through proxy mode, a coderd-shaped upstream of our own that
// streams metadata over the WebSocket, or (an older coderd) only over server-sent events.
import { test, expect, type Page } from '@playwright/test';
import http from 'node:http';
import type net from 'node:net';
import { readFileSync } from 'node:fs';
import { embeddedAgent } from './support/app';
import { SERVER } from './support/server';
import { PRIVATE_PORTS, firstAgent, startConfiguredServer, startServer, watchPage, type PrivateServer } from './support/private';
import { acceptWebSocket, textFrame } from './support/websocket';
import { coderdAgent, stopUpstream } from './support/upstream';

const card = (page: Page) => page.locator('section.metadata-card');
const item = (page: Page, name: string) => card(page).locator('.metadata-item', { has: page.locator('.md-name', { hasText: name }) });

/** Used memory now, in GiB, as the default item measures it (MemTotal − MemAvailable). */
function usedMemoryGiB(): number {
  const info = readFileSync('/proc/meminfo', 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(info)![1]);
  return (kb('MemTotal') - kb('MemAvailable')) / 1048576;
}

test('the default metadata measures this machine: memory within 10 % of /proc/meminfo', async ({ page, request }) => {
  const watch = watchPage(page);
  const agent = await embeddedAgent(request);
  await page.goto(`${SERVER.url}/agents/${agent.id}#token=${SERVER.sessionToken}`);
  await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
  for (const name of ['CPU Usage', 'Memory Usage', 'Disk Usage', 'Load Average']) {
    await expect(item(page, name)).toBeVisible();
  }
  const memory = item(page, 'Memory Usage').locator('.md-value');
  await expect(memory).toHaveText(/^\d+\.\d+\/\d+\.\d+ GiB/, { timeout: 15_000 });
  // Memory moves while browsers start: /proc/meminfo is sampled all along, and a value is
  // compared with the samples of the seconds before it appeared (when it was collected).
  const samples: { t: number; v: number }[] = [];
  const sampler = setInterval(() => samples.push({ t: Date.now(), v: usedMemoryGiB() }), 100);
  try {
    // A value collected within the last two seconds, after sampling began (a value collected
    // before, when the server started, would be compared with nothing).
    await page.waitForTimeout(2_500);
    const age = item(page, 'Memory Usage').locator('.md-age');
    await expect(age).toHaveText('just now', { timeout: 15_000 });
    const shown = Number((await memory.textContent())!.split('/')[0]);
    const recent = samples.filter((s) => s.t >= Date.now() - 3_000).map((s) => s.v);
    const [lo, hi] = [Math.min(...recent), Math.max(...recent)];
    expect(shown, `shown ${shown} GiB; /proc/meminfo ${lo.toFixed(2)}–${hi.toFixed(2)} GiB`).toBeGreaterThanOrEqual(lo * 0.9);
    expect(shown, `shown ${shown} GiB; /proc/meminfo ${lo.toFixed(2)}–${hi.toFixed(2)} GiB`).toBeLessThanOrEqual(hi * 1.1);
  } finally {
    clearInterval(sampler);
  }
  watch.check();
});

const CONFIG = `
scripts = []

[[metadata]]
display_name = "Counter"
key = "counter"
script = "date +%s"
interval = 1
timeout = 1

[[metadata]]
display_name = "Hangs"
key = "hangs"
script = "sleep 30"
interval = 2
timeout = 1

[[metadata]]
display_name = "Fails"
key = "fails"
script = "echo half a value; exit 3"
interval = 5

[[metadata]]
display_name = "Silent"
key = "silent"
script = "true"
interval = 5

[[metadata]]
display_name = "Huge"
key = "huge"
script = "head -c 1048576 /dev/zero | tr '\\\\0' x"
interval = 5

[[metadata]]
display_name = "Hostile"
key = "hostile"
script = "printf '<img src=x onerror=window.__pwned=1> \\\\033[31mred\\\\033[0m'"
interval = 5
`;

test.describe('configured metadata', () => {
  let srv: PrivateServer;
  test.beforeAll(async () => {
    srv = await startConfiguredServer(PRIVATE_PORTS.metadata, CONFIG);
  });
  test.afterAll(async () => {
    await srv?.stop();
  });

  test('changes on its interval, shows a timeout and an exit as errors, and markup as text', async ({ page }) => {
    const watch = watchPage(page);
    const agent = await firstAgent(srv);
    await page.goto(`${srv.url}/agents/${agent.id}#token=${srv.sessionToken}`);
    const counter = item(page, 'Counter').locator('.md-value');
    await expect(counter).toHaveText(/^\d{10}$/, { timeout: 15_000 });
    const first = Number(await counter.textContent());
    await expect.poll(async () => Number(await counter.textContent()), { timeout: 10_000 }).toBeGreaterThan(first);
    // Its history chart appears from the second value on.
    await expect(item(page, 'Counter').locator('svg.md-spark polyline')).toHaveCount(1);
    await expect(item(page, 'Hangs').locator('.md-error')).toContainText(/timed out/, { timeout: 15_000 });
    const fails = item(page, 'Fails');
    await expect(fails.locator('.md-error')).toContainText('3');
    await expect(fails.locator('.md-value')).toHaveText('half a value');
    const hostile = item(page, 'Hostile').locator('.md-value');
    await expect(hostile).toHaveText('<img src=x onerror=window.__pwned=1> red');
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    // A command that prints nothing says so; one that prints 1 MB is cut to coderd's 2048 bytes
    // and says it was.
    await expect(item(page, 'Silent').locator('.md-value')).toHaveText('(no output)');
    const huge = item(page, 'Huge');
    await expect(huge.locator('.md-error')).toContainText('exceeded 2048 bytes');
    expect((await huge.locator('.md-value').textContent())!.length).toBeLessThanOrEqual(2048);
    // Every item once.
    await expect(card(page).locator('.metadata-item')).toHaveCount(6);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    watch.check();
  });
});

// ---- through proxy mode: a coderd-shaped upstream of our own ----

const FAKE = { agentId: '5b0c7c2e-1a2b-4c3d-8e9f-0a1b2c3d4e05', workspaceId: '7c1d8d3f-2b3c-4d4e-9f0a-1b2c3d4e5f06', token: 'fake-coderd-metadata-token-0123456789' };

function fakeAgent() {
  return coderdAgent(FAKE.agentId, 'meta', FAKE.workspaceId);
}

/** coderd's metadata list as it streams it (codersdk.WorkspaceAgentMetadata). */
function metadataList(n: number) {
  return [
    { result: { collected_at: new Date().toISOString(), age: 0, value: `${n}% busy`, error: '' },
      description: { display_name: 'Busy', key: 'busy', script: 'busy', interval: 1, timeout: 1 } },
    { result: { collected_at: '0001-01-01T00:00:00Z', age: 9223372036, value: '', error: '' },
      description: { display_name: 'Not yet', key: 'not_yet', script: 'x', interval: 10, timeout: 1 } },
  ];
}

async function startFakeCoderd(port: number, streams: 'websocket' | 'sse' | 'flaky') {
  const seen: string[] = [];
  let connections = 0;
  const open = new Set<net.Socket | http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    seen.push(path);
    const send = (status: number, body: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
    if (path === '/api/v2/buildinfo') return send(200, { version: 'v2.24.0', agent_api_version: '2.6' });
    if (req.headers['coder-session-token'] !== FAKE.token) return send(401, { message: 'You must be logged in.' });
    if (path === `/api/v2/workspaceagents/${FAKE.agentId}`) return send(200, fakeAgent());
    if (path === '/api/v2/workspaces') {
      return send(200, { count: 1, workspaces: [{ id: FAKE.workspaceId, name: 'ws', owner_name: 'alice',
        latest_build: { id: FAKE.workspaceId, status: 'running', transition: 'start', resources: [{ id: FAKE.workspaceId, agents: [fakeAgent()] }] } }] });
    }
    if (streams === 'sse' && path === `/api/v2/workspaceagents/${FAKE.agentId}/watch-metadata`) {
      // coderd's framing (httpapi.ServerSentEventSender): `event:` and `data:` (the data alone).
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let n = 0;
      const push = () => res.write(`event: data\ndata: ${JSON.stringify(metadataList(++n))}\n\n`);
      push();
      const timer = setInterval(push, 1000);
      open.add(res);
      res.on('close', () => { clearInterval(timer); open.delete(res); });
      return;
    }
    return send(404, { message: `Route not found: ${path}` });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    const path = (req.url ?? '').split('?')[0];
    seen.push(`upgrade ${path}`);
    socket.on('error', () => {});
    if (streams === 'sse' || path !== `/api/v2/workspaceagents/${FAKE.agentId}/watch-metadata-ws`) {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}');
      return;
    }
    acceptWebSocket(req, socket);
    // coderd's envelope (codersdk.ServerSentEvent) in one text frame each.
    // Flaky: every connection is cut (no close frame) after two events.
    let n = connections++ * 2;
    const push = () => {
      socket.write(textFrame(JSON.stringify({ type: 'data', data: metadataList(++n) })));
      if (streams === 'flaky' && n % 2 === 0) socket.destroy();
    };
    push();
    const timer = setInterval(push, 1000);
    open.add(socket);
    socket.on('close', () => { clearInterval(timer); open.delete(socket); });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    seen,
    stop: () => stopUpstream(server, open),
  };
}

for (const streams of ['websocket', 'sse'] as const) {
  test(`through proxy mode, a coderd that streams metadata over ${streams === 'sse' ? 'server-sent events only' : 'its WebSocket'}: the same card`, async ({ page }) => {
    const watch = watchPage(page);
    const fake = await startFakeCoderd(PRIVATE_PORTS.metadataCoderd, streams);
    const proxy = await startServer(PRIVATE_PORTS.metadataProxy, ['--coder-url', `http://127.0.0.1:${PRIVATE_PORTS.metadataCoderd}`]);
    try {
      await page.goto(`${proxy.url}/agents/${FAKE.agentId}#token=${FAKE.token}`);
      const busy = item(page, 'Busy').locator('.md-value');
      await expect(busy).toHaveText(/^\d+% busy$/);
      const first = Number((await busy.textContent())!.split('%')[0]);
      await expect.poll(async () => Number((await busy.textContent())!.split('%')[0]), { timeout: 10_000 }).toBeGreaterThan(first);
      await expect(item(page, 'Not yet').locator('.md-value')).toHaveText('waiting for the first value…');
      await expect(card(page).locator('.metadata-item')).toHaveCount(2);
      if (streams === 'sse') {
        // The WebSocket was tried first; the event stream carried the values, with the session header.
        expect(fake.seen).toContain(`upgrade /api/v2/workspaceagents/${FAKE.agentId}/watch-metadata-ws`);
        expect(fake.seen).toContain(`/api/v2/workspaceagents/${FAKE.agentId}/watch-metadata`);
      } else {
        expect(fake.seen).not.toContain(`/api/v2/workspaceagents/${FAKE.agentId}/watch-metadata`);
      }
      watch.check();
    } finally {
      await proxy.stop();
      await fake.stop();
    }
  });
}

test('through proxy mode, a metadata stream cut every two events: the card reconnects, keeps its items once each, and values go on', async ({ page }) => {
  const watch = watchPage(page);
  const fake = await startFakeCoderd(PRIVATE_PORTS.metadataCoderd, 'flaky');
  const proxy = await startServer(PRIVATE_PORTS.metadataProxy, ['--coder-url', `http://127.0.0.1:${PRIVATE_PORTS.metadataCoderd}`]);
  try {
    await page.goto(`${proxy.url}/agents/${FAKE.agentId}#token=${FAKE.token}`);
    const busy = item(page, 'Busy').locator('.md-value');
    await expect(busy).toHaveText(/^\d+% busy$/);
    // Each connection sends the next two values: after three cuts the value has moved on.
    const cuts = () => fake.seen.filter((s) => s.startsWith('upgrade')).length;
    await expect.poll(cuts, { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
    await expect.poll(async () => Number((await busy.textContent())!.split('%')[0]), { timeout: 15_000 }).toBeGreaterThanOrEqual(6);
    await expect(card(page).locator('.metadata-item')).toHaveCount(2);
    // Never blank: the values stay while it reconnects.
    await expect(card(page).locator('.skeleton')).toHaveCount(0);
    watch.check();
  } finally {
    await proxy.stop();
    await fake.stop();
  }
});
