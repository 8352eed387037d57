// Helpers for the terminal view's screen (the DOM renderer, as in headless Chromium).
import { Page, expect, test } from '@playwright/test';

declare global {
  interface Window {
    __agentConsoleTerminalText?: () => string;
    __agentConsoleTerminalInfo?: () => string;
  }
}

/** The terminal tab shown (with several tabs, the others are in the document too, off screen). */
export const shownTerminal = (page: Page) => page.locator('.terminal-page:not(.background)');
/** The shown tab's connection state, as its badge says it. */
export const terminalStatus = (page: Page) => shownTerminal(page).locator('.terminal-status .badge-label');
/** The shown terminal's buffer, one line per row (the app's test hook follows the shown tab). */
export const terminalText = (page: Page) => page.evaluate(() => window.__agentConsoleTerminalText?.() ?? '');

/** The shown tab's state from the app's test hook: size, connection, flow counters, image memory. */
export const terminalInfo = async (page: Page) =>
  JSON.parse(await page.evaluate(() => window.__agentConsoleTerminalInfo?.() ?? '{}'));

/** Fails each test of the file in which the page threw an uncaught error. */
export function failOnPageErrors() {
  let errors: string[] = [];
  test.beforeEach(({ page }) => {
    errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
  });
  test.afterEach(() => {
    expect(errors).toEqual([]);
  });
}

/** Waits until the shown terminal is attached and its shell has printed something (a prompt). */
export async function connected(page: Page) {
  await expect(terminalStatus(page)).toHaveText('Connected');
  // The shell has printed its prompt (the replay or a fresh start).
  await expect.poll(async () => (await terminalText(page)).trim().length, { timeout: 15_000 }).toBeGreaterThan(0);
}

/** Types a command line into the shown terminal and presses Enter. */
export async function run(page: Page, line: string) {
  await shownTerminal(page).locator('.terminal-host').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** Waits until a whole line of the shown terminal matches. */
export async function seeLine(page: Page, line: RegExp, timeout = 15_000) {
  await expect
    .poll(async () => (await terminalText(page)).split('\n').some((l) => line.test(l.trim())), { timeout })
    .toBe(true);
}

/** Clicks the terminal text `needle`, in the middle of its first characters, once it is drawn. */
export async function clickTerminalText(page: Page, needle: string) {
  const find = () => page.evaluate((needle) => {
    const screen = document.querySelector('.xterm-screen')!.getBoundingClientRect();
    const { cols, rows } = JSON.parse(window.__agentConsoleTerminalInfo!());
    const lines = [...document.querySelectorAll('.xterm-rows > div')];
    for (let y = lines.length - 1; y >= 0; y--) {
      const x = (lines[y].textContent ?? '').replace(/\u00a0/g, ' ').indexOf(needle);
      if (x >= 0) {
        return { x: screen.left + (x + 2.5) * (screen.width / cols), y: screen.top + (y + 0.5) * (screen.height / rows) };
      }
    }
    return null;
  }, needle);
  // The renderer draws on the next frame, after the buffer has the text.
  await expect.poll(find, { message: `"${needle}" on the terminal screen` }).not.toBeNull();
  const pos = (await find())!;
  // From elsewhere first: xterm finds links on mouse moves, and the pointer may already be where
  // the text is drawn (a link clicked earlier in the same cell), so that moving there is no move.
  await page.mouse.move(1, 1);
  await page.mouse.move(pos.x, pos.y, { steps: 2 });
  await page.waitForTimeout(200);
  await page.mouse.click(pos.x, pos.y);
}
