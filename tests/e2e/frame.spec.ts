// Framing: the server lets only the origins of --frame-ancestors embed the console.
import { test, expect } from '@playwright/test';
import { serveFramer } from './support/app';
import { SERVER } from './support/server';

test('a parent page not on the frame-ancestors list cannot frame the console', async ({ page }) => {
  // Positive control: the same parent page on the allowed origin shows the app in its frame, so
  // an empty frame below means the policy refused it, not that the page failed to load.
  const allowed = await serveFramer(SERVER.framerPort, `${SERVER.url}/?embed=1`);
  try {
    await page.goto(`http://127.0.0.1:${SERVER.framerPort}/`);
    await expect(page.frameLocator('#console').locator('.app')).toBeVisible();
  } finally {
    await allowed();
  }
  const close = await serveFramer(SERVER.strangerPort, `${SERVER.url}/?embed=1`);
  try {
    const response = await page.request.get(`${SERVER.url}/`);
    expect(response.headers()['content-security-policy']).toContain(`frame-ancestors 'self' http://127.0.0.1:${SERVER.framerPort}`);
    await page.goto(`http://127.0.0.1:${SERVER.strangerPort}/`);
    // The blocked frame never runs the app: no brand, no sign-in form inside it.
    const frame = page.frameLocator('#console');
    await page.waitForTimeout(1500);
    await expect(frame.locator('.app')).toHaveCount(0);
  } finally {
    await close();
  }
});
