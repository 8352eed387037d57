// Issue 19, workspace usage: while a terminal is connected the console reports the workspace in
// use as Coder's terminal does (`POST /workspaces/{id}/usage`, `{agent_id, app_name:
// "reconnecting-pty"}`, at once and then every minute), so a deployment does not stop a
// workspace someone is typing in. The embedded backend checks it as coderd does and moves the
// workspace's `last_used_at`; through proxy mode a coderd-shaped upstream receives it.
import { test, expect } from '@playwright/test';
import http from 'node:http';
import type net from 'node:net';
import { embeddedAgent } from './support/app';
import { SERVER } from './support/server';
import { PRIVATE_PORTS, startServer, watchPage } from './support/private';
import { acceptWebSocket, textFrame } from './support/websocket';
import { coderdAgent } from './support/upstream';

const auth = { 'Coder-Session-Token': SERVER.sessionToken };

async function workspace() {
  const res = await fetch(`${SERVER.url}/api/v2/workspaces`, { headers: auth });
  return (await res.json()).workspaces[0] as { id: string; last_used_at: string };
}

test('on the embedded backend: an open terminal moves the workspace\'s last use; a bad report gets coderd\'s answer', async ({ page, request }) => {
  const watch = watchPage(page);
  const agent = await embeddedAgent(request);
  const before = Date.parse((await workspace()).last_used_at);
  // Strictly after the last recorded use: only a report from now on can pass the check below.
  await page.waitForTimeout(1_100);
  const opened = Date.now();
  expect(opened).toBeGreaterThan(before);
  await page.goto(`${SERVER.url}/agents/${agent.id}/terminal#token=${SERVER.sessionToken}`);
  await expect(page.locator('.terminal-status .badge-label')).toHaveText('Connected');
  await expect.poll(async () => Date.parse((await workspace()).last_used_at), { timeout: 15_000 }).toBeGreaterThanOrEqual(opened - 50);
  watch.check();

  const { id } = await workspace();
  const post = (path: string, body: unknown, headers: Record<string, string> = auth) =>
    fetch(`${SERVER.url}/api/v2/workspaces/${path}/usage`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const unknown = await post(id, { agent_id: agent.id, app_name: '<b>emacs</b>' });
  expect(unknown.status).toBe(400);
  expect((await unknown.json()).validations).toEqual([{ field: 'app_name', detail: 'must be one of [vscode jetbrains reconnecting-pty ssh]' }]);
  const half = await post(id, { app_name: 'ssh' });
  expect(half.status).toBe(400);
  expect((await half.json()).validations[0].field).toBe('agent_id');
  expect((await post('00000000-0000-4000-8000-000000000000', {})).status).toBe(404);
  expect((await post(id, {}, {})).status).toBe(401);
  expect((await post(id, { agent_id: agent.id, app_name: 'ssh' })).status).toBe(204);
});

const FAKE = {
  agentId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  workspaceId: '2b3c4d5e-6f70-4b8c-9d0e-1f2a3b4c5d6e',
  token: 'fake-coderd-usage-token-0123456789',
};

function fakeAgent() {
  return coderdAgent(FAKE.agentId, 'busy', FAKE.workspaceId);
}

test('through proxy mode: a coderd-shaped upstream receives the terminal\'s usage reports, with the session', async ({ page }) => {
  const watch = watchPage(page);
  const reports: { path: string; token?: string; body: unknown }[] = [];
  const sockets = new Set<net.Socket>();
  const fake = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const send = (code: number, body?: unknown) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(body === undefined ? undefined : JSON.stringify(body)); };
    if (path === '/api/v2/buildinfo') return send(200, { version: 'v2.24.0', agent_api_version: '2.6' });
    if (req.headers['coder-session-token'] !== FAKE.token) return send(401, { message: 'You must be logged in.' });
    if (path === `/api/v2/workspaceagents/${FAKE.agentId}`) return send(200, fakeAgent());
    if (path === '/api/v2/workspaces') {
      return send(200, { count: 1, workspaces: [{ id: FAKE.workspaceId, name: 'ws', owner_name: 'alice',
        latest_build: { id: FAKE.workspaceId, status: 'running', transition: 'start', resources: [{ id: FAKE.workspaceId, agents: [fakeAgent()] }] } }] });
    }
    if (req.method === 'POST' && path === `/api/v2/workspaces/${FAKE.workspaceId}/usage`) {
      let raw = '';
      req.on('data', (c) => { raw += c; });
      req.on('end', () => {
        reports.push({ path, token: req.headers['coder-session-token'] as string, body: JSON.parse(raw) });
        send(204);
      });
      return;
    }
    return send(404, { message: `Route not found: ${path}` });
  });
  fake.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    socket.on('error', () => {});
    if ((req.url ?? '').split('?')[0] !== `/api/v2/workspaceagents/${FAKE.agentId}/pty`) {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    // A PTY that prints a prompt and then waits.
    acceptWebSocket(req, socket);
    socket.write(textFrame('fake$ '));
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => fake.listen(PRIVATE_PORTS.usageCoderd, '127.0.0.1', resolve));
  const proxy = await startServer(PRIVATE_PORTS.usageProxy, ['--coder-url', `http://127.0.0.1:${PRIVATE_PORTS.usageCoderd}`]);
  try {
    // Positive control: the overview alone reports nothing.
    await page.goto(`${proxy.url}/agents/${FAKE.agentId}#token=${FAKE.token}`);
    await expect(page.locator('h1.agent-name')).toHaveText('busy');
    await page.waitForTimeout(1_500);
    expect(reports).toEqual([]);
    await page.goto(`${proxy.url}/agents/${FAKE.agentId}/terminal#token=${FAKE.token}`);
    await expect(page.locator('.terminal-status .badge-label')).toHaveText('Connected');
    await expect.poll(() => reports.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    expect(reports[0]).toEqual({
      path: `/api/v2/workspaces/${FAKE.workspaceId}/usage`,
      token: FAKE.token,
      body: { agent_id: FAKE.agentId, app_name: 'reconnecting-pty' },
    });
    watch.check();
  } finally {
    await proxy.stop();
    for (const s of sockets) s.destroy();
    fake.closeAllConnections();
    await new Promise<void>((resolve) => fake.close(() => resolve()));
  }
});
