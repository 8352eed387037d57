// Issue 17: app statuses. An app of the embedded agent ([[apps]]) gets statuses through the agent
// tools' form (the agent token, as an AI agent in the workspace reports) and through the API;
// the overview lists them newest first, as text, with a link only for http(s).
import { test, expect } from '@playwright/test';
import { PRIVATE_PORTS, firstAgent, startConfiguredServer, watchPage, type PrivateServer } from './support/private';

const CONFIG = `
scripts = []
metadata = []

[[apps]]
slug = "assistant"
display_name = "Assistant"
url = "http://localhost:9/"

[[apps]]
slug = "web"
display_name = "Web"
url = "http://localhost:8080/"
subdomain = true
`;

let srv: PrivateServer;
test.beforeAll(async () => {
  srv = await startConfiguredServer(PRIVATE_PORTS.appStatus, CONFIG);
});
test.afterAll(async () => {
  await srv?.stop();
});

test('a status reported with the agent token is on the overview, newest first, as text, linked only for http(s)', async ({ page }) => {
  const watch = watchPage(page);
  const agent = await firstAgent(srv);
  await page.goto(`${srv.url}/tools#token=${srv.sessionToken}`);
  await page.locator('#agent-token').fill(srv.agentToken);
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'Report an app status' }) });
  // A slug the agent does not have: coderd's refusal, in words.
  await form.getByLabel('App slug').fill('nope');
  await form.getByLabel('Message').fill('hello');
  await form.getByRole('button', { name: 'Report' }).click();
  await expect(form).toContainText('No app found with slug "nope"');
  // The real one, with markup and a javascript: link.
  await form.getByLabel('App slug').fill('assistant');
  await form.getByLabel('State').selectOption('working');
  await form.getByLabel('Message').fill('Reading <img src=x onerror=window.__pwned=1> the code');
  await form.getByLabel('Link').fill('javascript:window.__pwned=2');
  await form.getByRole('button', { name: 'Report' }).click();
  await expect(form).toContainText('Reported the status of "assistant"');
  // A later one through the API, with an https link.
  const res = await fetch(`${srv.url}/api/v2/workspaceagents/me/app-status`, {
    method: 'PATCH',
    headers: { 'Coder-Session-Token': srv.agentToken, 'content-type': 'application/json' },
    body: JSON.stringify({ app_slug: 'assistant', state: 'complete', message: 'Opened a pull request', uri: 'https://example.com/pr/1' }),
  });
  expect(res.status).toBe(200);

  await page.goto(`${srv.url}/agents/${agent.id}`);
  await page.locator('.overview-details').scrollIntoViewIfNeeded();
  const card = page.locator('section', { has: page.getByRole('heading', { name: 'App statuses' }) });
  const rows = card.locator('li.app-status');
  await expect(rows).toHaveCount(2, { timeout: 15_000 });
  await expect(rows.nth(0)).toContainText('complete');
  await expect(rows.nth(0)).toContainText('Opened a pull request');
  await expect(rows.nth(0).getByRole('link', { name: 'https://example.com/pr/1' })).toHaveAttribute('href', 'https://example.com/pr/1');
  await expect(rows.nth(1)).toContainText('working');
  // coderd cleans markup out of the message; whatever is left is text, and there is no link.
  await expect(rows.nth(1).locator('a')).toHaveCount(0);
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  watch.check();
});

test('a status reported while the overview is open appears there without a reload (the figure is in the report)', async ({ page }, testInfo) => {
  const watch = watchPage(page);
  const agent = await firstAgent(srv);
  const report = (message: string) => fetch(`${srv.url}/api/v2/workspaceagents/me/app-status`, {
    method: 'PATCH',
    headers: { 'Coder-Session-Token': srv.agentToken, 'content-type': 'application/json' },
    body: JSON.stringify({ app_slug: 'assistant', state: 'working', message }),
  });
  expect((await report('Before the page opened')).status).toBe(200);
  await page.goto(`${srv.url}/agents/${agent.id}#token=${srv.sessionToken}`);
  await page.locator('.overview-details').scrollIntoViewIfNeeded();
  const card = page.locator('section', { has: page.getByRole('heading', { name: 'App statuses' }) });
  const rows = card.locator('li.app-status');
  // Positive control: the status reported before is shown; the new one is not, yet.
  await expect(rows.first()).toContainText('Before the page opened', { timeout: 15_000 });
  const message = `Live ${Date.now()}`;
  await expect(card).not.toContainText(message);
  const sent = Date.now();
  expect((await report(message)).status).toBe(200);
  await expect(rows.first()).toContainText(message, { timeout: 15_000 });
  // How long it took is reported, not asserted (shared machines are noisy; `make bench` is for speed).
  testInfo.annotations.push({ type: 'status on the overview after (ms)', description: String(Date.now() - sent) });
  watch.check();
});

test('a subdomain app opens through the console\'s port forwarding; a path app, which only coderd serves, is not a link', async ({ page }) => {
  const agent = await firstAgent(srv);
  await page.goto(`${srv.url}/agents/${agent.id}#token=${srv.sessionToken}`);
  await page.locator('.overview-details').scrollIntoViewIfNeeded();
  const rows = page.locator('section', { has: page.getByRole('heading', { name: 'Apps' }) }).locator('tbody tr');
  const forward = `http://8080--${agent.name}--${agent.workspace}--${agent.owner}.localhost:${srv.port}/`;
  await expect(rows.filter({ hasText: 'Web' }).getByRole('link')).toHaveAttribute('href', forward);
  await expect(rows.filter({ hasText: 'Assistant' }).getByRole('link')).toHaveCount(0);
  await expect(rows.filter({ hasText: 'Assistant' }).locator('code')).toHaveText('http://localhost:9/');
});

