// Port sharing and port policies (issue 20) against the embedded backend: a real local HTTP
// service, shared from its row in the ports view, reached through its forward host by a browser
// with no session at all; the template's ceiling (--max-port-share-level) refusing what it must,
// with coderd's words; and the per-port policies "ignore" and "open".
import { test, expect, Browser, Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedAgent, startHttpService } from './support/app';
import { PRIVATE_PORTS, startServer, firstAgent } from './support/private';
import { SERVER } from './support/server';

type Agent = Awaited<ReturnType<typeof embeddedAgent>>;

const forwardAddress = (agent: Agent, port: number, serverPort = SERVER.port, https = false) =>
  `http://${port}${https ? 's' : ''}--${agent.name}--${agent.workspace}--${agent.owner}.localhost:${serverPort}/`.toLowerCase();

/** Opens `address` in a new browser context: no cookie, no token, nothing of the console's. */
async function openAsStranger(browser: Browser, address: string): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(address);
  return { page, close: () => context.close() };
}

/** The workspace's shares, as the API lists them. */
async function listedShares(workspaceId: string, url = SERVER.url, token = SERVER.sessionToken) {
  const res = await fetch(`${url}/api/v2/workspaces/${workspaceId}/port-share`, { headers: { 'Coder-Session-Token': token } });
  expect(res.status).toBe(200);
  return (await res.json()).shares as { port: number; share_level: string; protocol: string; agent_name: string }[];
}

async function workspaceOf(url = SERVER.url, token = SERVER.sessionToken) {
  const res = await fetch(`${url}/api/v2/workspaces`, { headers: { 'Coder-Session-Token': token } });
  const ws = (await res.json()).workspaces[0];
  return { id: ws.id as string, templateId: ws.template_id as string };
}

test('a port shared as public opens without a session; unshared, it is refused again', async ({ page, browser, request }) => {
  const agent = await embeddedAgent(request);
  const workspace = await workspaceOf();
  const service = await startHttpService();
  const address = forwardAddress(agent, service.port);
  try {
    // The control: before sharing, a stranger is sent to sign in and never sees the service.
    const before = await openAsStranger(browser, address);
    await expect(before.page).toHaveURL(/\/signin\?app=/);
    await expect(before.page.locator('body')).not.toContainText('hello from the e2e service');
    await before.close();

    await page.goto(`/agents/${agent.id}/ports#token=${SERVER.sessionToken}`);
    const row = page.locator(`li.port-row[data-port="${service.port}"]`);
    await expect(row).toBeVisible({ timeout: 10_000 });
    await row.locator('summary', { hasText: 'Share' }).click();
    await row.getByLabel(`Share level of port ${service.port}`).selectOption('public');
    await row.getByLabel(`Share protocol of port ${service.port}`).selectOption('http');
    await row.getByRole('button', { name: `Share port ${service.port}` }).click();

    const shared = page.locator(`li.share-row[data-share-port="${service.port}"]`);
    await expect(shared).toBeVisible();
    await expect(row.locator('.share-badge')).toHaveText('Shared: Public');
    await expect(shared.getByLabel(`Who can open shared port ${service.port}`)).toHaveValue('public');
    expect(await listedShares(workspace.id)).toContainEqual(
      expect.objectContaining({ port: service.port, share_level: 'public', protocol: 'http', agent_name: agent.name }));

    // A stranger now reaches the service through its forward host.
    const stranger = await openAsStranger(browser, address);
    await expect(stranger.page.locator('body')).toContainText(`hello from the e2e service on port ${service.port}`);
    expect(stranger.page.url().toLowerCase()).toBe(address);
    await stranger.close();

    // HTTPS makes the shared link the `{port}s--` form, as coderd's dashboard builds it.
    await shared.getByLabel(`Protocol of shared port ${service.port}`).selectOption('https');
    await expect(page.locator(`li.share-row[data-share-port="${service.port}"] a.port-url`))
      .toHaveAttribute('href', forwardAddress(agent, service.port, SERVER.port, true));
    expect(await listedShares(workspace.id)).toContainEqual(expect.objectContaining({ port: service.port, protocol: 'https' }));

    await page.getByRole('button', { name: `Stop sharing port ${service.port}` }).click();
    await expect(page.locator(`li.share-row[data-share-port="${service.port}"]`)).toHaveCount(0);
    expect((await listedShares(workspace.id)).map((s) => s.port)).not.toContain(service.port);

    const after = await openAsStranger(browser, address);
    await expect(after.page).toHaveURL(/\/signin\?app=/);
    await expect(after.page.locator('body')).not.toContainText('hello from the e2e service');
    await after.close();
  } finally {
    await service.stop();
  }
});

test('sharing above the template maximum is refused, with the reason', async ({ page }) => {
  const server = await startServer(PRIVATE_PORTS.portShare, ['--max-port-share-level', 'authenticated']);
  const service = await startHttpService();
  try {
    const agent = await firstAgent(server);
    const workspace = await workspaceOf(server.url, server.sessionToken);
    const auth = { 'Coder-Session-Token': server.sessionToken, 'Content-Type': 'application/json' };
    const template = await (await fetch(`${server.url}/api/v2/templates/${workspace.templateId}`, { headers: auth })).json();
    expect(template.max_port_share_level).toBe('authenticated');

    // coderd's answers, through the API.
    const share = (body: object) => fetch(`${server.url}/api/v2/workspaces/${workspace.id}/port-share`, {
      method: 'POST', headers: auth, body: JSON.stringify({ agent_name: agent.name, protocol: 'http', ...body }),
    });
    let res = await share({ port: service.port, share_level: 'public' });
    expect(res.status).toBe(400);
    expect((await res.json()).message).toBe('"public" sharing level is not allowed under max level "authenticated"');
    res = await share({ port: 8, share_level: 'authenticated' });
    expect(res.status).toBe(400);
    expect((await res.json()).message).toBe('Port must be between 9 and 65535.');
    res = await share({ port: service.port, share_level: 'authenticated' });
    expect(res.status, 'the positive control: a level under the maximum').toBe(200);
    res = await fetch(`${server.url}/api/v2/workspaces/${workspace.id}/port-share`, {
      method: 'DELETE', headers: auth, body: JSON.stringify({ agent_name: agent.name, port: service.port }),
    });
    expect(res.status).toBe(200);

    // In the view: public is offered disabled, with the template's reason in words.
    await page.goto(`${server.url}/agents/${agent.id}/ports#token=${server.sessionToken}`);
    const row = page.locator(`li.port-row[data-port="${service.port}"]`);
    await expect(row).toBeVisible({ timeout: 10_000 });
    await row.locator('summary', { hasText: 'Share' }).click();
    const level = row.getByLabel(`Share level of port ${service.port}`);
    await expect(level.locator('option[value="public"]')).toHaveJSProperty('disabled', true);
    await expect(level.locator('option[value="authenticated"]')).toHaveJSProperty('disabled', false);
    await expect(row.locator('.share-reasons')).toContainText('This workspace template does not allow sharing ports publicly.');

    // A view whose knowledge of the maximum is stale still shows the server's refusal clearly.
    await level.locator('option[value="public"]').evaluate((o) => (o as HTMLOptionElement).disabled = false);
    await level.selectOption('public');
    await row.getByRole('button', { name: `Share port ${service.port}` }).click();
    await expect(page.locator('.shared-ports [role="alert"]'))
      .toContainText('"public" sharing level is not allowed under max level "authenticated"');
    await expect(page.locator(`li.share-row[data-share-port="${service.port}"]`)).toHaveCount(0);
  } finally {
    await service.stop();
    await server.stop();
  }
});

test('a public share survives a restart of the server', async ({ browser }) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'agent-console-e2e-share-'));
  const service = await startHttpService();
  let server = await startServer(PRIVATE_PORTS.portShare, ['--data-dir', dataDir]);
  try {
    const agent = await firstAgent(server);
    const workspace = await workspaceOf(server.url, server.sessionToken);
    const res = await fetch(`${server.url}/api/v2/workspaces/${workspace.id}/port-share`, {
      method: 'POST',
      headers: { 'Coder-Session-Token': server.sessionToken, 'Content-Type': 'application/json' },
      body: JSON.stringify({ agent_name: agent.name, port: service.port, share_level: 'public', protocol: 'http' }),
    });
    expect(res.status).toBe(200);
    await server.stop();
    server = await startServer(PRIVATE_PORTS.portShare, ['--data-dir', dataDir]);
    expect(await listedShares(workspace.id, server.url, server.sessionToken)).toContainEqual(
      expect.objectContaining({ port: service.port, share_level: 'public' }));
    const stranger = await openAsStranger(browser, forwardAddress(agent, service.port, server.port));
    await expect(stranger.page.locator('body')).toContainText(`hello from the e2e service on port ${service.port}`);
    await stranger.close();
  } finally {
    await server.stop();
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the "ignore" policy hides a port, and the toggle shows it', async ({ page, request }) => {
  const agent = await embeddedAgent(request);
  const service = await startHttpService();
  try {
    await page.goto(`/agents/${agent.id}/ports#token=${SERVER.sessionToken}`);
    const row = page.locator(`li.port-row[data-port="${service.port}"]`);
    await expect(row).toBeVisible({ timeout: 10_000 });
    await row.getByLabel(`When port ${service.port} opens`).selectOption('ignore');
    await expect(row).toHaveCount(0);
    const toggle = page.getByRole('button', { name: /^Show \d+ hidden ports?$/ });
    await expect(toggle).toBeVisible();
    await toggle.click();
    await expect(row).toBeVisible();
    await expect(row.getByLabel(`When port ${service.port} opens`)).toHaveValue('ignore');
    await page.getByRole('button', { name: 'Hide ignored ports' }).click();
    await expect(row).toHaveCount(0);

    // Remembered: after a reload the port is still hidden, while the list keeps refreshing.
    await page.reload();
    await page.waitForResponse((r) => r.url().includes(`/workspaceagents/${agent.id}/listening-ports`), { timeout: 10_000 });
    await expect(page.getByRole('button', { name: /^Show \d+ hidden ports?$/ })).toBeVisible();
    await expect(row).toHaveCount(0);
    await page.getByRole('button', { name: /^Show \d+ hidden ports?$/ }).click();
    await row.getByLabel(`When port ${service.port} opens`).selectOption('notify');
    await expect(page.getByRole('button', { name: 'Hide ignored ports' })).toHaveCount(0);
    await expect(row).toBeVisible();
  } finally {
    await service.stop();
  }
});

test('the "open" policy opens a port in a new tab when it starts listening', async ({ page, request }) => {
  const agent = await embeddedAgent(request);
  // A free port, not listening yet: the policy is set before the service starts.
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  await page.goto(`/agents/${agent.id}/ports#token=${SERVER.sessionToken}`);
  await page.locator('#policy-range').fill(`${port}-${port + 1}`);
  await page.getByLabel('Policy for the port or range').selectOption('open');
  await page.getByRole('button', { name: 'Remember' }).click();
  await expect(page.locator('.policy-ranges')).toContainText(`${port}-${port + 1}: Open in a new tab`);
  // The list has been read at least once, so the port that opens next is new.
  await page.waitForResponse((r) => r.url().includes(`/workspaceagents/${agent.id}/listening-ports`), { timeout: 10_000 });

  const popup = page.waitForEvent('popup', { timeout: 15_000 });
  const service = await startHttpService(port);
  try {
    const tab = await popup;
    await expect(tab.locator('body')).toContainText(`hello from the e2e service on port ${port}`);
    expect(tab.url().toLowerCase()).toBe(forwardAddress(agent, port));
    await expect(page.locator('.new-port')).toContainText('opening it in a new tab');
    await tab.close();
  } finally {
    await service.stop();
    await page.getByRole('button', { name: `Forget the policy of ${port}-${port + 1}` }).click();
  }
});
