// Issue 17, the overview through proxy mode against a coderd-shaped upstream of our own: the
// connect helpers (coderd's SSH settings and its VS Code link format), 200 metadata items, sessions
// and app statuses with values this console does not know, the workspace's own facts, and latency
// over time. On the embedded backend: the honest connect card and latency measured for real.
//
// Facts the upstream encodes (coder/coder, see docs/coder-wire.md): `GET /deployment/ssh` answers
// `{hostname_prefix, ssh_config_options}`; buildinfo's `dashboard_url`; the agent's `display_apps`
// decide which helpers show; `Workspace.{outdated, health, latest_app_status, task_id}`;
// `WorkspaceApp.statuses`; the sessions of coderd's sessions branch; the metadata WebSocket's
// `{type: "data", data: [...]}` envelope.
import { test, expect, type Page } from '@playwright/test';
import http from 'node:http';
import type net from 'node:net';
import { embeddedAgent } from './support/app';
import { SERVER } from './support/server';
import { PRIVATE_PORTS, startServer, watchPage } from './support/private';
import { acceptWebSocket, textFrame } from './support/websocket';
import { coderdAgent } from './support/upstream';

const FAKE = {
  agentId: '6c1d7d3f-2b3c-4d4e-9f0a-1b2c3d4e5f07',
  workspaceId: '8d2e9e40-3c4d-4e5f-8a1b-2c3d4e5f6a08',
  appId: '9e3fa051-4d5e-4f60-9b2c-3d4e5f6a7b09',
  taskId: 'af40b162-5e6f-4071-8c3d-4e5f6a7b8c0a',
  token: 'fake-coderd-overview-token-0123456789',
};
const ITEMS = 200;

function status(id: string, state: string, message: string, minutesAgo: number, attention = false) {
  return {
    id, created_at: new Date(Date.now() - minutesAgo * 60_000).toISOString(), workspace_id: FAKE.workspaceId,
    agent_id: FAKE.agentId, app_id: FAKE.appId, state, needs_user_attention: attention, message, uri: '', icon: '',
  };
}

function fakeAgent(read: number) {
  const started = new Date(Date.now() - 3_600_000).toISOString();
  return coderdAgent(FAKE.agentId, 'meta', FAKE.workspaceId, {
    display_apps: ['vscode', 'vscode_insiders', 'ssh_helper', 'web_terminal'],
    directory: '~/my project', expanded_directory: '/home/alice/my project',
    // Each read of the agent reports a new round trip: the history has something to draw.
    latency: { 'Frankfurt <b>fra</b>': { preferred: true, latency_ms: 20 + (read % 7) }, Sydney: { preferred: false, latency_ms: 240.5 } },
    apps: [{
      id: FAKE.appId, slug: 'assistant', display_name: 'Assistant', url: 'http://localhost:3000', external: false,
      sharing_level: 'owner', health: 'healthy', subdomain: false, hidden: false, open_in: 'slim-window',
      statuses: [
        status('b0000000-0000-4000-8000-000000000001', 'pondering', 'Thinking about <img src=x onerror=window.__pwned=1>', 1, true),
        status('b0000000-0000-4000-8000-000000000002', 'working', 'Reading the code', 5),
      ],
    },
    { id: 'c0000000-0000-4000-8000-000000000001', slug: 'code', display_name: 'Code', url: 'http://localhost:8080', subdomain: true,
      subdomain_name: 'code--meta--ws--alice', health: 'healthy', sharing_level: 'owner', statuses: [] },
    { id: 'c0000000-0000-4000-8000-000000000002', slug: 'top', display_name: 'Top', command: 'htop', health: 'disabled', sharing_level: 'owner', statuses: [] },
    { id: 'c0000000-0000-4000-8000-000000000003', slug: 'docs', display_name: 'Docs', url: 'https://docs.example.com/x', external: true,
      health: 'disabled', sharing_level: 'owner', statuses: [] }],
    sessions: [{
      client_hostname: 'alice-laptop', ip: '100.64.0.7', short_description: 'Coder Desktop', status: 'teleported', started_at: started,
      connections: [
        { ip: '100.64.0.7', status: 'teleported', created_at: started, type: 'holodeck', client_hostname: 'alice-laptop' },
        { ip: '100.64.0.7', status: 'ongoing', created_at: started, type: 'ssh', client_hostname: 'alice-laptop' },
      ],
    }],
  });
}

function metadataList(n: number) {
  return Array.from({ length: ITEMS }, (_, i) => ({
    result: { collected_at: new Date().toISOString(), age: 0, value: `${(n * 7 + i) % 100} %`, error: '' },
    description: { display_name: `Item ${String(i).padStart(3, '0')}`, key: `item_${i}`, script: 'x', interval: 1, timeout: 1 },
  }));
}

async function startFakeCoderd(port: number) {
  let reads = 0;
  const open = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const send = (code: number, body: unknown) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
    if (path === '/api/v2/buildinfo') return send(200, { version: 'v2.24.0', agent_api_version: '2.6', dashboard_url: 'https://coder.example.com/' });
    if (req.headers['coder-session-token'] !== FAKE.token) return send(401, { message: 'You must be logged in.' });
    if (path === `/api/v2/workspaceagents/${FAKE.agentId}`) return send(200, fakeAgent(++reads));
    if (path === '/api/v2/deployment/ssh') return send(200, { hostname_prefix: 'coder.', ssh_config_options: {} });
    if (path === '/api/v2/applications/host') return send(200, { host: '*.apps.example.com' });
    if (path === '/api/v2/regions') {
      return send(200, { regions: [{ id: FAKE.workspaceId, name: 'primary', display_name: 'Default', healthy: true,
        path_app_url: 'https://coder.example.com', wildcard_hostname: '*.apps.example.com' }] });
    }
    if (path === '/api/v2/workspaces') {
      return send(200, { count: 1, workspaces: [{
        id: FAKE.workspaceId, name: 'ws', owner_name: 'alice', template_name: 'docker', template_display_name: 'Docker <i>dev</i>',
        outdated: true, health: { healthy: false, failing_agents: [FAKE.agentId] }, task_id: FAKE.taskId,
        latest_app_status: status('b0000000-0000-4000-8000-000000000001', 'pondering', 'Thinking hard', 1, true),
        latest_build: { id: FAKE.workspaceId, status: 'running', transition: 'start', resources: [{ id: FAKE.workspaceId, agents: [fakeAgent(reads)] }] },
      }] });
    }
    return send(404, { message: `Route not found: ${path}` });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    const path = (req.url ?? '').split('?')[0];
    socket.on('error', () => {});
    if (path !== `/api/v2/workspaceagents/${FAKE.agentId}/watch-metadata-ws`) {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}');
      return;
    }
    acceptWebSocket(req, socket);
    let n = 0;
    const push = () => socket.write(textFrame(JSON.stringify({ type: 'data', data: metadataList(++n) })));
    push();
    const timer = setInterval(push, 1000);
    open.add(socket);
    socket.on('close', () => { clearInterval(timer); open.delete(socket); });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    stop: () => new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const section = (page: Page, heading: string) => page.locator('section', { has: page.getByRole('heading', { name: heading, exact: true }) });

test('through proxy mode: connect helpers in coderd\'s format, 200 metadata items, unknown session types and app states, the workspace, latency over time', async ({ page }) => {
  const watch = watchPage(page);
  const buildinfoReads: string[] = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/v2/buildinfo') buildinfoReads.push(r.url()); });
  const fake = await startFakeCoderd(PRIVATE_PORTS.overviewCoderd);
  const proxy = await startServer(PRIVATE_PORTS.overviewProxy, ['--coder-url', `http://127.0.0.1:${PRIVATE_PORTS.overviewCoderd}`]);
  try {
    await page.goto(`${proxy.url}/agents/${FAKE.agentId}#token=${FAKE.token}`);
    await expect(page.locator('h1.agent-name')).toHaveText('meta');

    // 200 items, each once, and they keep changing.
    const items = page.locator('section.metadata-card .metadata-item');
    await expect(items).toHaveCount(ITEMS);
    const last = items.filter({ hasText: `Item ${ITEMS - 1}` }).locator('.md-value');
    const before = await last.textContent();
    await expect.poll(() => last.textContent(), { timeout: 10_000 }).not.toBe(before);
    await expect(items).toHaveCount(ITEMS);

    // Latency by region, over time: a line per region once two reads are in, the region's name as text.
    const latency = section(page, 'Latency by relay region');
    const fra = latency.locator('.metadata-item', { hasText: 'Frankfurt <b>fra</b> (preferred)' });
    await expect(fra.locator('svg.md-spark polyline')).toHaveCount(1, { timeout: 15_000 });
    await expect(fra.locator('.md-value')).toHaveText(/^\d+ ms$/);
    await expect(latency.locator('.metadata-item', { hasText: 'Sydney' }).locator('.md-value')).toHaveText('241 ms');

    await page.locator('.overview-details').scrollIntoViewIfNeeded();
    // Connect helpers: coderd's SSH steps with the deployment's prefix, and the VS Code links in
    // the extension's format, signing in at coderd's URL, with no token in them.
    const connect = section(page, 'Connect from your machine');
    await expect(connect.locator('code.connect-command')).toHaveText(['coder config-ssh', 'ssh coder.ws.meta']);
    // The deployment's address came from the overview's one read of buildinfo.
    expect(buildinfoReads).toHaveLength(1);
    const folder = encodeURIComponent('/home/alice/my project');
    const query = `owner=alice&workspace=ws&url=${encodeURIComponent('https://coder.example.com')}&openRecent=true&agent=meta&folder=${folder}`;
    await expect(connect.getByRole('link', { name: 'Open in VS Code', exact: true })).toHaveAttribute('href', `vscode://coder.coder-remote/open?${query}`);
    await expect(connect.getByRole('link', { name: 'Open in VS Code Insiders' })).toHaveAttribute('href', `vscode-insiders://coder.coder-remote/open?${query}`);
    for (const href of await connect.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))) {
      expect(href).not.toContain('token');
    }
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await connect.locator('li', { hasText: 'ssh coder.ws.meta' }).getByRole('button', { name: 'Copy' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('ssh coder.ws.meta');

    // Apps open where coderd's dashboard opens them: a path app under coderd's path-app URL, a
    // subdomain app at the wildcard host, a command in the terminal, an external app at its URL.
    const apps = section(page, 'Apps');
    await expect(apps.getByRole('link', { name: 'https://coder.example.com/@alice/ws.meta/apps/assistant/' })).toBeVisible();
    await expect(apps.getByRole('link', { name: 'http://code--meta--ws--alice.apps.example.com/' })).toBeVisible();
    await expect(apps.getByRole('link', { name: 'https://docs.example.com/x' })).toBeVisible();
    await expect(apps.getByRole('link', { name: 'Run "htop" in the terminal' })).toHaveAttribute('href', `/agents/${FAKE.agentId}/terminal?command=htop`);

    // Sessions: an unknown connection type and status, as text.
    const sessions = section(page, 'Sessions');
    await expect(sessions).toContainText('alice-laptop (100.64.0.7)');
    await expect(sessions).toContainText('holodeck');
    await expect(sessions).toContainText('teleported');

    // App statuses: an unknown state as text, "needs attention" standing out, markup as text.
    const statuses = section(page, 'App statuses').locator('li.app-status');
    await expect(statuses).toHaveCount(2);
    await expect(statuses.nth(0)).toContainText('pondering');
    await expect(statuses.nth(0)).toContainText('Needs attention');
    await expect(statuses.nth(0)).toHaveClass(/attention/);
    await expect(statuses.nth(0)).toContainText('Thinking about <img src=x onerror=window.__pwned=1>');
    await expect(statuses.nth(1)).not.toContainText('Needs attention');

    // The workspace: outdated, a failing agent, the latest app status, the task.
    const ws = section(page, 'Workspace');
    await expect(ws).toContainText('alice/ws');
    await expect(ws).toContainText('Docker <i>dev</i>');
    await expect(ws).toContainText('Outdated');
    await expect(ws).toContainText('1 agent failing');
    await expect(ws).toContainText('Thinking hard');
    await expect(ws).toContainText(FAKE.taskId);

    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    watch.check();
  } finally {
    await proxy.stop();
    await fake.stop();
  }
});

test('on the embedded backend: the connect card says what to use instead, and latency is measured for real over time', async ({ page, request }) => {
  const watch = watchPage(page);
  const agent = await embeddedAgent(request);
  await page.goto(`${SERVER.url}/agents/${agent.id}#token=${SERVER.sessionToken}`);
  await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
  // The console's own relay answers: a measured value, then a line once several reads are in.
  const latency = section(page, 'Latency by relay region');
  const here = latency.locator('.metadata-item', { hasText: 'Embedded (this machine)' });
  await expect(here.locator('.md-value')).toHaveText(/^\d+ ms$/, { timeout: 15_000 });
  await expect(here.locator('svg.md-spark polyline')).toHaveCount(1, { timeout: 15_000 });

  await page.locator('.overview-details').scrollIntoViewIfNeeded();
  const connect = section(page, 'Connect from your machine');
  await expect(connect).toContainText('This agent is the machine the console runs on');
  await expect(connect.locator('code.connect-command')).toHaveCount(0);
  await connect.getByRole('link', { name: 'Terminal' }).click();
  await expect(page).toHaveURL(new RegExp(`/agents/${agent.id}/terminal([?]|$)`));
  watch.check();
});
