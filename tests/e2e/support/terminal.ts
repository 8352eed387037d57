// Helpers for the terminal view's screen (the DOM renderer, as in headless Chromium).
import { Page, expect } from '@playwright/test';

declare global {
  interface Window {
    __agentConsoleTerminalInfo?: () => string;
  }
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
  await page.mouse.move(pos.x, pos.y);
  await page.waitForTimeout(200);
  await page.mouse.click(pos.x, pos.y);
}
