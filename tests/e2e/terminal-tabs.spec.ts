// The terminal's keyboard and tabs against the embedded backend's real PTY: Shift+Enter reaches
// the program as ESC CR; several shells per agent, each its own reconnect id, all resumed after a
// reload, renamed, closed, opened with "+" or Ctrl+Shift+Enter; a flooding tab in the background
// leaves the shown tab's shell answering.
//
// Terminal text is read through `window.__agentConsoleTerminalText()` (see terminal.spec.ts),
// which follows the tab shown.
import { test, expect, type Page, type APIRequestContext } from '@playwright/test';
import { SERVER } from './support/server';
import { connected, run, seeLine, shownTerminal, terminalStatus, terminalText, failOnPageErrors, terminalInfo } from './support/terminal';

async function agentId(request: APIRequestContext): Promise<string> {
  const r = await request.get('/api/v2/workspaces', { headers: { 'Coder-Session-Token': SERVER.sessionToken } });
  expect(r.ok()).toBeTruthy();
  const body = await r.json();
  return body.workspaces[0].latest_build.resources[0].agents[0].id as string;
}

async function openTerminal(page: Page, request: APIRequestContext) {
  const id = await agentId(request);
  await page.goto(`/agents/${id}/terminal#token=${SERVER.sessionToken}`);
}

const shown = shownTerminal;
const status = terminalStatus;
const text = terminalText;
const info = terminalInfo;
const tabs = (page: Page) => page.getByRole('tablist', { name: 'Terminal tabs' }).getByRole('tab');

// No page errors in any of these tests.
failOnPageErrors();

test('Shift+Enter sends ESC CR to the program', async ({ page, request }) => {
  await openTerminal(page, request);
  await connected(page);
  // The program reads two raw bytes (no line editing, no CR→NL) and prints them in hex.
  await run(page, 'stty -icanon -icrnl -echo min 2; head -c 2 | od -An -tx1; stty sane');
  await shown(page).locator('.terminal-host').click();
  await page.keyboard.press('Shift+Enter');
  await seeLine(page, /^1b 0d$/);
  // Positive control: a plain Enter is a lone CR.
  await run(page, 'stty -icanon -icrnl -echo min 1; head -c 1 | od -An -tx1; stty sane');
  await shown(page).locator('.terminal-host').click();
  await page.keyboard.press('Enter');
  await seeLine(page, /^0d$/);
});

test('two tabs keep their own shells across a reload, and can be renamed and closed', async ({ page, request }) => {
  await openTerminal(page, request);
  await connected(page);
  await expect(tabs(page)).toHaveCount(1);
  await run(page, 'export MARK=one; cd /tmp');
  const first = (await info(page)).reconnect as string;
  expect(new URL(page.url()).searchParams.get('reconnect')).toBe(first);

  await page.getByRole('button', { name: 'New tab' }).click();
  await expect(tabs(page)).toHaveCount(2);
  await expect(tabs(page).nth(1)).toHaveAttribute('aria-selected', 'true');
  await connected(page);
  const second = (await info(page)).reconnect as string;
  expect(second).not.toBe(first);
  expect(new URL(page.url()).searchParams.get('reconnect')).toBe(second);
  await run(page, 'export MARK=two');
  await run(page, 'echo now-$MARK');
  await seeLine(page, /^now-two$/);

  // Rename the first tab.
  await tabs(page).nth(0).click();
  await expect(tabs(page).nth(0)).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('button', { name: 'Rename Shell 1' }).click();
  await page.getByRole('textbox', { name: 'Tab name' }).fill('<b>build</b>');
  await page.keyboard.press('Enter');
  await expect(tabs(page).nth(0)).toHaveText('<b>build</b>');

  await page.reload();
  await expect(tabs(page)).toHaveCount(2);
  await expect(tabs(page).nth(0)).toHaveText('<b>build</b>');
  await expect(tabs(page).nth(0)).toHaveAttribute('aria-selected', 'true');
  await connected(page);
  expect((await info(page)).reconnect).toBe(first);
  await run(page, 'echo a-$MARK-$(pwd)');
  await seeLine(page, /^a-one-\/tmp$/);

  await tabs(page).nth(1).click();
  await connected(page);
  expect((await info(page)).reconnect).toBe(second);
  expect(new URL(page.url()).searchParams.get('reconnect')).toBe(second);
  await run(page, 'echo b-$MARK');
  await seeLine(page, /^b-two$/);

  // Closing the second tab shows the first again; the last tab cannot be closed.
  await page.getByRole('button', { name: 'Close Shell 2' }).click();
  await expect(tabs(page)).toHaveCount(1);
  await expect(tabs(page).nth(0)).toHaveAttribute('aria-selected', 'true');
  expect(new URL(page.url()).searchParams.get('reconnect')).toBe(first);
  await expect(page.getByRole('button', { name: /^Close / })).toHaveCount(0);
  await page.reload();
  await expect(tabs(page)).toHaveCount(1);
});

test('Ctrl+Shift+Enter opens a tab without typing into the shell', async ({ page, request }) => {
  await openTerminal(page, request);
  await connected(page);
  await run(page, 'echo before');
  await seeLine(page, /^before$/);
  await shown(page).locator('.terminal-host').click();
  await page.keyboard.press('Control+Shift+Enter');
  await expect(tabs(page)).toHaveCount(2);
  await connected(page);
  // The first shell did not get an Enter: its prompt line holds nothing new.
  await tabs(page).nth(0).click();
  await connected(page);
  await run(page, 'echo after');
  await seeLine(page, /^after$/);
  const lines = (await text(page)).split('\n').map((l) => l.trim()).filter(Boolean);
  const before = lines.findIndex((l) => l === 'before');
  const after = lines.findIndex((l) => l === 'after');
  // Prompt, "echo after" typed on the prompt after "before", then "after": no empty prompt between.
  expect(after - before).toBe(2);
});

test('a tab flooding in the background leaves the shown tab answering', async ({ page, request }) => {
  await openTerminal(page, request);
  await connected(page);
  await run(page, 'while :; do echo flood-flood-flood-flood-flood-flood-flood-flood; done');
  await seeLine(page, /^flood-flood/);
  const flooding = await info(page);

  await page.getByRole('button', { name: 'New tab' }).click();
  await connected(page);
  for (const n of [1, 2, 3]) {
    await run(page, `echo alive-$((${n}*11))`);
    await seeLine(page, new RegExp(`^alive-${n * 11}$`));
  }

  // The flooding tab kept its shell and its socket while in the background.
  await tabs(page).nth(0).click();
  await expect(status(page)).toHaveText('Connected');
  await expect.poll(async () => (await info(page)).received).toBeGreaterThan(flooding.received);
  await shown(page).locator('.terminal-host').click();
  await page.keyboard.press('Control+C');
  await run(page, 'echo stopped-$((40+2))');
  await seeLine(page, /^stopped-42$/, 30_000);
});

test('search finds a word in 5,000 lines of scrollback and steps through the matches', async ({ page, request }) => {
  await openTerminal(page, request);
  await connected(page);
  // printf's \x escapes keep the words out of the command line itself.
  await run(
    page,
    "for i in $(seq 1 5000); do case $i in 20) printf 'zebra\\x2dunique\\n';; 1000|2000|3000) printf 'Mark\\x20%d\\n' $i;; *) echo filler-$i;; esac; done; echo done-$((2+2))",
  );
  await seeLine(page, /^done-4$/, 60_000);
  expect((await text(page)).split('\n').length).toBeGreaterThan(5000);

  await page.keyboard.press('Control+Shift+F');
  const field = page.getByRole('searchbox', { name: 'Search the scrollback' });
  await expect(field).toBeFocused();
  const count = shown(page).locator('.terminal-search-count');
  await field.fill('zebra-unique');
  await expect(count).toHaveText('1 of 1');
  await expect.poll(async () => (await info(page)).selection).toBe('zebra-unique');

  await field.fill('mark ');
  await expect(count).toHaveText(/^[123] of 3$/);
  const index = async () => Number((await count.textContent())!.split(' ')[0]);
  const start = await index();
  await field.press('Enter');
  await expect(count).toHaveText(`${(start % 3) + 1} of 3`);
  await expect.poll(async () => (await info(page)).selection).toBe('Mark ');
  await shown(page).getByRole('button', { name: 'Next match' }).click();
  await expect(count).toHaveText(`${((start + 1) % 3) + 1} of 3`);
  await field.press('Shift+Enter');
  await expect(count).toHaveText(`${(start % 3) + 1} of 3`);

  // Case: "mark " does not match "Mark " once case matters.
  await shown(page).getByRole('button', { name: 'Match case' }).click();
  await expect(count).toHaveText('No matches');
  await shown(page).getByRole('button', { name: 'Match case' }).click();
  await expect(count).toHaveText(/ of 3$/);

  // Esc closes it and the keyboard goes back to the shell.
  await field.press('Escape');
  await expect(field).toHaveCount(0);
  await page.keyboard.type('echo back-$((1+1))');
  await page.keyboard.press('Enter');
  await seeLine(page, /^back-2$/);
});

test('the Search button opens the field (for touch screens)', async ({ page, request }) => {
  await openTerminal(page, request);
  await connected(page);
  await shown(page).getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByRole('searchbox', { name: 'Search the scrollback' })).toBeVisible();
  await shown(page).getByRole('button', { name: 'Close search' }).click();
  await expect(page.getByRole('searchbox', { name: 'Search the scrollback' })).toHaveCount(0);
});

test('the Nerd Font downloads only when chosen, is drawn with, and is remembered', async ({ page, request }) => {
  const fonts: string[] = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith('.woff2') || path.includes('/vendor/fonts/')) fonts.push(path);
  });
  await openTerminal(page, request);
  await connected(page);
  // Nothing font-like is fetched by default (the requests after the choice show the watcher works).
  expect((await info(page)).fontFamily).toMatch(/^ui-monospace/);
  expect(fonts).toEqual([]);

  await shown(page).getByRole('combobox', { name: 'Font' }).selectOption('jetbrains-mono-nerd');
  await expect.poll(async () => (await info(page)).fontFamily).toMatch(/^'JetBrains Mono', 'Pure Nerd Font'/);
  expect(fonts).toContain('/vendor/fonts/terminal-fonts.css');
  expect(fonts.some((p) => /^\/termfont-jetbrains-mono-400-[0-9a-f]{16}\.woff2$/.test(p))).toBe(true);
  expect(fonts.some((p) => /^\/termfont-pure-nerd-font-400-[0-9a-f]{16}\.woff2$/.test(p))).toBe(true);
  expect(await page.evaluate(() => document.fonts.check('16px "JetBrains Mono"'))).toBe(true);
  // The terminal still types and answers in it.
  await run(page, 'echo font-$((3*3))');
  await seeLine(page, /^font-9$/);

  fonts.length = 0;
  await page.reload();
  await connected(page);
  await expect(shown(page).getByRole('combobox', { name: 'Font' })).toHaveValue('jetbrains-mono-nerd');
  await expect.poll(async () => (await info(page)).fontFamily).toMatch(/^'JetBrains Mono'/);
  expect(fonts.some((p) => p.startsWith('/termfont-jetbrains-mono-400-'))).toBe(true);

  await shown(page).getByRole('combobox', { name: 'Font' }).selectOption('system');
  await expect.poll(async () => (await info(page)).fontFamily).toMatch(/^ui-monospace/);
});
