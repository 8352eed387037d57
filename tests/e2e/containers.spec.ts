// Issue 20, the containers view: on the embedded backend without a container engine it says why
// the list is empty; through proxy mode, against a coderd-shaped upstream of our own, dev
// container cards render (sub-agent, ports with their host bindings, an unknown status, markup in
// a name shown as text, 500 containers drawn a page at a time), and rebuild and delete, once
// confirmed, call coderd's routes with coderd's methods.
//
// The upstream encodes these facts of coderd (coder/coder codersdk/workspaceagents.go,
// coderd/workspaceagents.go): `GET /api/v2/workspaceagents/{id}/containers` answers
// `{devcontainers, containers, warnings?}`; `GET .../containers/watch` is a WebSocket whose TEXT
// frames each carry one whole list (JSON and a newline, coderd's encoder); `POST
// .../containers/devcontainers/{devcontainer}/recreate` answers 202 with
// `{message: "Devcontainer recreation initiated", detail}`; `DELETE
// .../containers/devcontainers/{devcontainer}` answers 204; a dev container's sub-agent is an agent
// of the workspace with `parent_id` set.
import { test, expect, type Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { PRIVATE_PORTS, firstAgent, startServer, watchPage } from './support/private';
import { acceptWebSocket, textFrame } from './support/websocket';
import { coderdAgent, stopUpstream } from './support/upstream';

test('on the embedded backend without a container engine, the view says why it is empty', async ({ page }) => {
  test.skip(!!process.env.DOCKER_HOST || existsSync('/var/run/docker.sock'), 'this machine has a Docker engine');
  const watch = watchPage(page);
  const srv = await startServer(PRIVATE_PORTS.containers);
  try {
    const agent = await firstAgent(srv);
    // The tab is in the agent's frame, beside the other views.
    await page.goto(`${srv.url}/agents/${agent.id}#token=${srv.sessionToken}`);
    await page.locator('nav.tabs').getByRole('link', { name: 'Containers' }).click();
    await expect(page).toHaveURL(new RegExp(`/agents/${agent.id}/containers$`));
    await expect(page.locator('.empty-state .empty-title')).toHaveText('No containers');
    await expect(page.locator('.container-warnings li')).toHaveText(/no Docker socket at \/var\/run\/docker\.sock/);
    await expect(page.locator('.empty-state')).toContainText('could not list containers');
    await expect(page.locator('.feed-state')).toHaveText('Live');
    watch.check();
  } finally {
    await srv.stop();
  }
});

// ---- through proxy mode: a coderd-shaped upstream of our own ----

const FAKE = {
  agentId: '5b0c7c2e-1a2b-4c3d-8e9f-0a1b2c3d4e05',
  subAgentId: '6c1d8d3f-2b3c-4d4e-9f0a-1b2c3d4e5f07',
  workspaceId: '7c1d8d3f-2b3c-4d4e-9f0a-1b2c3d4e5f06',
  dev1: '8e2d0b6c-8b0f-4f3e-9d7e-2d6d5c1b6a01',
  dev2: '9f3e1c7d-9c1a-4a4f-8e8f-3e7e6d2c7b02',
  token: 'fake-coderd-containers-token-0123456789',
};
const HTML_NAME = '<img src=x onerror="window.__pwned=1">';

function agentJson(id: string, name: string, parent: string | null) {
  return coderdAgent(id, name, FAKE.workspaceId, { parent_id: parent });
}

function container(id: string, name: string, extra: Record<string, unknown> = {}) {
  return {
    created_at: '2026-06-01T10:00:00Z', id, name, image: 'mcr.microsoft.com/devcontainers/base:ubuntu', labels: {},
    running: true, ports: [], status: 'running', volumes: {}, ...extra,
  };
}

/** The agent's list as coderd relays it: two dev containers and 500 plain containers. */
function containersList() {
  const dev1 = container('c-dev1', 'api-dev', {
    labels: { 'devcontainer.local_folder': '/home/coder/api' },
    ports: [{ port: 8080, network: 'tcp', host_ip: '0.0.0.0', host_port: 18080 }, { port: 9229, network: 'tcp' }],
  });
  const plain = Array.from({ length: 500 }, (_, i) => container(`c-${i}`, i === 0 ? '<b>bold</b>' : `svc-${String(i).padStart(3, '0')}`, {
    running: i % 2 === 0, status: i % 2 === 0 ? 'running' : 'exited with code 1', image: `busybox:${i}`,
  }));
  return {
    devcontainers: [
      { id: FAKE.dev1, name: 'api', workspace_folder: '/home/coder/api', config_path: '/home/coder/api/.devcontainer/devcontainer.json',
        status: 'running', dirty: true, container: dev1, agent: { id: FAKE.subAgentId, name: 'api', directory: '/workspaces/api' } },
      { id: FAKE.dev2, name: HTML_NAME, workspace_folder: '/home/coder/<b>odd</b>', status: 'hibernating', dirty: false,
        error: 'devcontainer up failed: exit status 1' },
    ],
    containers: [dev1, ...plain],
  };
}

async function startFakeCoderd(port: number, socket: 'accept' | 'refuse') {
  const seen: string[] = [];
  const open = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    seen.push(`${req.method} ${path}`);
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (path === '/api/v2/buildinfo') return send(200, { version: 'v2.24.0', agent_api_version: '2.6' });
    if (req.headers['coder-session-token'] !== FAKE.token) return send(401, { message: 'You must be logged in.' });
    const agent = `/api/v2/workspaceagents/${FAKE.agentId}`;
    if (path === agent) return send(200, agentJson(FAKE.agentId, 'meta', null));
    if (path === '/api/v2/applications/host') return send(200, { host: '*.apps.example.test' });
    if (path === '/api/v2/workspaces') {
      return send(200, { count: 1, workspaces: [{ id: FAKE.workspaceId, name: 'ws', owner_name: 'alice',
        latest_build: { id: FAKE.workspaceId, status: 'running', transition: 'start', resources: [{ id: FAKE.workspaceId,
          agents: [agentJson(FAKE.agentId, 'meta', null), agentJson(FAKE.subAgentId, 'api', FAKE.agentId)] }] } }] });
    }
    if (req.method === 'GET' && path === `${agent}/containers`) return send(200, containersList());
    for (const dc of [FAKE.dev1, FAKE.dev2]) {
      if (req.method === 'POST' && path === `${agent}/containers/devcontainers/${dc}/recreate`) {
        return send(202, { message: 'Devcontainer recreation initiated', detail: 'Recreation process for devcontainer "api" has started.' });
      }
      if (req.method === 'DELETE' && path === `${agent}/containers/devcontainers/${dc}`) return send(204);
    }
    return send(404, { message: `Route not found: ${path}` });
  });
  server.on('upgrade', (req: http.IncomingMessage, sock: net.Socket) => {
    const path = (req.url ?? '').split('?')[0];
    seen.push(`upgrade ${path}`);
    sock.on('error', () => {});
    if (socket === 'refuse' || path !== `/api/v2/workspaceagents/${FAKE.agentId}/containers/watch`) {
      sock.end('HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}');
      return;
    }
    acceptWebSocket(req, sock);
    sock.write(textFrame(`${JSON.stringify(containersList())}\n`));
    open.add(sock);
    sock.on('close', () => open.delete(sock));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    seen,
    stop: () => stopUpstream(server, open),
  };
}

const card = (page: Page, id: string) => page.locator(`li.devcontainer[data-id="${id}"]`);

for (const socket of ['accept', 'refuse'] as const) {
  test(`through proxy mode (watch socket ${socket === 'accept' ? 'live' : 'refused: the list is polled'}): dev container cards, 500 containers, rebuild and delete after confirmation`, async ({ page }) => {
    const watch = watchPage(page);
    const fake = await startFakeCoderd(PRIVATE_PORTS.containersCoderd, socket);
    const proxy = await startServer(PRIVATE_PORTS.containersProxy, ['--coder-url', `http://127.0.0.1:${PRIVATE_PORTS.containersCoderd}`]);
    const agentPath = `/api/v2/workspaceagents/${FAKE.agentId}`;
    try {
      await page.goto(`${proxy.url}/agents/${FAKE.agentId}/containers#token=${FAKE.token}`);
      await expect(page.locator('li.devcontainer')).toHaveCount(2);
      await expect(page.locator('.feed-state')).toHaveText(socket === 'accept' ? 'Live' : /polling/);
      expect(fake.seen).toContain(`upgrade ${agentPath}/containers/watch`);
      if (socket === 'refuse') expect(fake.seen).toContain(`GET ${agentPath}/containers`);

      // The first card: status, name, folder, outdated, its sub-agent (state and a link to its views).
      const api = card(page, FAKE.dev1);
      await expect(api.locator('.devcontainer-name')).toHaveText('api');
      await expect(api.locator('.badge').first()).toHaveText(/Running/);
      await expect(api.locator('.outdated')).toHaveText('Outdated');
      await expect(api).toContainText('/home/coder/api');
      const sub = api.locator('.sub-agent a');
      await expect(sub).toHaveText('api');
      await expect(sub).toHaveAttribute('href', `/agents/${FAKE.subAgentId}`);
      await expect(api.locator('.sub-agent .badge')).toHaveText(/Ready/);
      // Ports: a bound TCP port opens through the forwarder; an unbound one is text.
      const bound = api.locator('.container-ports a');
      await expect(bound).toHaveText('8080/tcp → 0.0.0.0:18080');
      await expect(bound).toHaveAttribute('href', 'http://18080--meta--ws--alice.apps.example.test/');
      await expect(api.locator('.container-ports li').nth(1)).toHaveText('9229/tcp (not bound to the host)');
      await expect(api.locator('.container-ports li').nth(1).locator('a')).toHaveCount(0);

      // The second card: an unknown status as sent, markup in names as text, its error.
      const odd = card(page, FAKE.dev2);
      await expect(odd.locator('.badge').first()).toHaveText(/hibernating/);
      await expect(odd.locator('.devcontainer-name')).toHaveText(HTML_NAME);
      await expect(odd).toContainText('/home/coder/<b>odd</b>');
      await expect(odd.locator('img, b')).toHaveCount(0);
      await expect(odd.locator('.field-error')).toHaveText('devcontainer up failed: exit status 1');
      await expect(odd.locator('.sub-agent')).toHaveCount(0);

      // 500 other containers (the dev container's own is on its card), drawn a page at a time.
      const rows = page.locator('table.container-table tbody tr');
      await expect(rows).toHaveCount(50);
      await expect(page.locator('.show-more').last()).toContainText('50 of 500 containers shown.');
      await expect(rows.first().locator('td').first()).toHaveText('<b>bold</b>');
      await expect(page.locator('table.container-table b')).toHaveCount(0);
      await page.getByRole('button', { name: 'Show 50 more' }).last().click();
      await expect(rows).toHaveCount(100);
      await expect(rows.nth(99).locator('td').first()).toHaveText('svc-099');
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

      // Rebuild: cancelled, nothing is sent; confirmed, coderd's POST.
      const dialog = page.locator('dialog.confirm-dialog');
      const recreate = `POST ${agentPath}/containers/devcontainers/${FAKE.dev1}/recreate`;
      await api.getByRole('button', { name: 'Rebuild' }).click();
      await expect(dialog).toBeVisible();
      await expect(dialog.locator('h2')).toHaveText('Rebuild this dev container?');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await expect(dialog).toBeHidden();
      expect(fake.seen).not.toContain(recreate);
      await api.getByRole('button', { name: 'Rebuild' }).click();
      await dialog.getByRole('button', { name: 'Rebuild' }).click();
      await expect(api.locator('.notice.tone-ok')).toHaveText('Devcontainer recreation initiated');
      expect(fake.seen).toContain(recreate);

      // Delete: the confirmation names it; coderd's DELETE.
      const remove = `DELETE ${agentPath}/containers/devcontainers/${FAKE.dev2}`;
      await odd.getByRole('button', { name: 'Delete…' }).click();
      await expect(dialog).toContainText(`“${HTML_NAME}” will be stopped and removed.`);
      expect(fake.seen).not.toContain(remove);
      await dialog.getByRole('button', { name: 'Delete' }).click();
      await expect(odd.locator('.notice.tone-ok')).toHaveText(`“${HTML_NAME}” was deleted.`);
      expect(fake.seen).toContain(remove);
      expect(fake.seen.filter((s) => s.startsWith('DELETE') || s.startsWith('POST'))).toEqual([recreate, remove]);
      watch.check();
    } finally {
      await proxy.stop();
      await fake.stop();
    }
  });
}
