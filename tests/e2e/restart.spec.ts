// Issue 15, item 7, in the browser: the embedded agent keeps its id and logs across a restart
// (its data directory), so an open log view resumes following; when the server comes back as
// another agent, the view stops following and says so instead of retrying a dead id forever.
import { test, expect } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRIVATE_PORTS, firstAgent, patchLines, startServer, watchPage, type PrivateServer } from './support/private';

test('a follow resumes across a restart and stops, saying so, when the agent is gone', async ({ page }) => {
  test.setTimeout(150_000);
  const dir = mkdtempSync(join(tmpdir(), 'agent-console-e2e-restart-'));
  const config = join(dir, 'config.toml');
  writeFileSync(config, 'scripts = []\n');
  const dataDir = join(dir, 'data');
  const args = ['--config', config, '--data-dir', dataDir];
  const watch = watchPage(page);
  let srv: PrivateServer = await startServer(PRIVATE_PORTS.restart, args);
  try {
    const agent = await firstAgent(srv);
    const run = `restart-${Date.now()}`;
    await patchLines(srv, [`${run} before`]);
    await page.goto(`${srv.url}/agents/${agent.id}/logs#token=${srv.sessionToken}`);
    await expect(page.locator('.log-row', { hasText: `${run} before` })).toBeVisible();
    await expect(page.locator('.feed-state')).toContainText('Live');

    // The same data directory: the same agent, and the open view goes on following it.
    await srv.stop();
    srv = await startServer(PRIVATE_PORTS.restart, args);
    expect((await firstAgent(srv)).id).toBe(agent.id);
    await patchLines(srv, [`${run} after`]);
    await expect(page.locator('.log-row', { hasText: `${run} after` })).toBeVisible({ timeout: 45_000 });
    await expect(page.locator('.log-row', { hasText: `${run} before` })).toHaveCount(1);
    await expect(page.getByRole('heading', { name: 'This agent is gone' })).toHaveCount(0);

    // A server on a fresh data directory is another agent: following stops and says why.
    await srv.stop();
    srv = await startServer(PRIVATE_PORTS.restart, ['--config', config]);
    expect((await firstAgent(srv)).id).not.toBe(agent.id);
    await expect(page.getByRole('heading', { name: 'This agent is gone' })).toBeVisible({ timeout: 60_000 });
    await expect(page.locator('.feed-state')).toContainText('the agent is gone');
    await expect(page.getByRole('link', { name: 'Choose an agent' }).first()).toBeVisible();
    // What was shown stays readable.
    await expect(page.locator('.log-row', { hasText: `${run} after` })).toBeVisible();
    watch.check();
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
