// Framing: the server lets only the origins of --frame-ancestors embed the console.
import { test, expect } from '@playwright/test';
import { serveFramer } from './support/app';
import { SERVER } from './support/server';

test('a parent page not on the frame-ancestors list cannot frame the console', async ({ page }) => {
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
