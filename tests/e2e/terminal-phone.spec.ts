// The terminal on a phone (the `phone` project: 360 × 640, touch, a phone's user agent), against
// the embedded backend's real PTY: the key bar sends Ctrl-C and other keys a soft keyboard lacks;
// the select-text mode copies what xterm.js cannot let a finger select; paste falls back to a
// field when the clipboard cannot be read.
//
// Terminal text is read through `window.__agentConsoleTerminalText()` (see terminal.spec.ts).
import { test, expect, type Page, type APIRequestContext } from '@playwright/test';
import { SERVER } from './support/server';
import { embeddedAgent } from './support/app';
import { connected, failOnPageErrors, run, seeLine, shownTerminal, terminalText } from './support/terminal';

const shown = shownTerminal;
const text = terminalText;

async function openTerminal(page: Page, request: APIRequestContext) {
  const agent = await embeddedAgent(request);
  await page.goto(`/agents/${agent.id}/terminal#token=${SERVER.sessionToken}`);
}

failOnPageErrors();

test('the key bar sends Ctrl-C to a running sleep', async ({ page, request }) => {
  await openTerminal(page, request);
  await connected(page);
  const bar = page.getByRole('toolbar', { name: 'Terminal keys' });
  await expect(bar).toBeVisible();
  // Nothing scrolls sideways at 360 px.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  const box = await page.locator('.terminal-screen').boundingBox();
  expect(box!.height).toBeGreaterThan(150);

  await run(page, 'sleep 60');
  await page.waitForTimeout(500);
  const started = Date.now();
  const ctrl = bar.getByRole('button', { name: /^Control/ });
  await ctrl.tap();
  await expect(ctrl).toHaveAttribute('aria-pressed', 'true');
  // The next key typed on the (soft) keyboard is sent with Ctrl.
  await page.keyboard.type('c');
  await expect(ctrl).toHaveAttribute('aria-pressed', 'false');
  await run(page, 'echo after-$?');
  await seeLine(page, /^after-130$/);
  expect(Date.now() - started).toBeLessThan(20_000);

  // Bar keys: Tab completes, the arrow recalls history.
  await bar.getByRole('button', { name: 'Up arrow' }).tap();
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await text(page)).split('\n').filter((l) => /^after-0$/.test(l.trim())).length).toBe(1);
});

test('Select text shows the output as plain text, and Copy puts it on the clipboard', async ({ page, context, request }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: SERVER.url });
  await openTerminal(page, request);
  await connected(page);
  await run(page, 'echo copy-$((5*5)) "<b>not-bold</b>"');
  await seeLine(page, /^copy-25 <b>not-bold<\/b>$/);

  await shown(page).getByRole('button', { name: 'Select text' }).tap();
  const panel = page.getByRole('dialog', { name: 'Select text' });
  const pre = panel.locator('pre');
  await expect(pre).toBeVisible();
  // Plain text: the markup printed by the shell is text, not an element.
  await expect(pre).toContainText('copy-25 <b>not-bold</b>');
  expect(await pre.locator('b').count()).toBe(0);

  // Select the line as a long press would, then Copy.
  await pre.evaluate((el) => {
    const node = el.firstChild!;
    const at = node.textContent!.lastIndexOf('copy-25');
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + 'copy-25'.length);
    getSelection()!.removeAllRanges();
    getSelection()!.addRange(range);
  });
  await panel.getByRole('button', { name: 'Copy' }).tap();
  await expect(page.getByText('Copied the selected text.')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('copy-25');

  // Nothing selected: all of it.
  await page.evaluate(() => getSelection()!.removeAllRanges());
  await panel.getByRole('button', { name: 'Copy' }).tap();
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toContain('copy-25 <b>not-bold</b>');

  await panel.getByRole('button', { name: 'Close' }).tap();
  await expect(panel).toHaveCount(0);
});

test('Paste falls back to a field when the clipboard cannot be read', async ({ page, request }) => {
  // No clipboard-read permission: readText() is refused.
  await openTerminal(page, request);
  await connected(page);
  await shown(page).getByRole('button', { name: 'Paste', exact: true }).tap();
  const field = page.getByRole('textbox', { name: /paste here/ });
  await expect(field).toBeVisible();
  await field.fill('echo pasted-$((2+2))');
  await page.getByRole('button', { name: 'Paste into the terminal' }).tap();
  await expect(field).toHaveCount(0);
  await shown(page).locator('.terminal-host').click();
  await page.keyboard.press('Enter');
  await seeLine(page, /^pasted-4$/);
});
