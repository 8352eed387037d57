// Issue 17, the overview's Sessions card against the embedded backend: a terminal opened in a
// second page is a live session (web terminal) until that page closes, then an ended one.
import { test, expect, type Locator } from '@playwright/test';
import { embeddedAgent } from './support/app';
import { SERVER } from './support/server';
import { watchPage } from './support/private';

/** Open web-terminal connections the card lists. */
const openTerminals = (card: Locator) => card.locator('.session-connections li:not(.ended)', { hasText: 'Web terminal' }).count();

test('a terminal opened in a second page is a session on the overview, ended once that page closes', async ({ page, context, request }) => {
  const watch = watchPage(page);
  const agent = await embeddedAgent(request);
  await page.goto(`${SERVER.url}/agents/${agent.id}#token=${SERVER.sessionToken}`);
  await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
  // Below the first screen: its code loads when it comes into view.
  await page.locator('.overview-details').scrollIntoViewIfNeeded();
  const card = page.locator('section.sessions-card');
  await expect(card.getByRole('heading', { name: 'Sessions' })).toBeVisible();
  await expect(card.locator('.skeleton')).toHaveCount(0);
  const before = await openTerminals(card);

  const terminal = await context.newPage();
  await terminal.goto(`${SERVER.url}/agents/${agent.id}/terminal#token=${SERVER.sessionToken}`);
  await expect(terminal.locator('.terminal-status .badge-label')).toHaveText('Connected');
  await expect.poll(() => openTerminals(card), { timeout: 15_000 }).toBe(before + 1);
  // From this machine: its address is shown.
  await expect(card.locator('.session', { hasText: 'Web terminal' }).first()).toContainText('127.0.0.1');

  await terminal.close();
  await expect.poll(() => openTerminals(card), { timeout: 15_000 }).toBe(before);
  await expect(card.locator('.session-connections li.ended', { hasText: 'Web terminal' }).first()).toBeVisible();
  watch.check();
});
