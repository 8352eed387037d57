import { test, expect } from '@playwright/test';
import { SERVER } from './support/server';

test('the app is served with its CSP and asks for sign-in without a token', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('the sign-in link signs in, hides the token and lists the agent', async ({ page }) => {
  await page.goto(`/#token=${SERVER.sessionToken}`);
  await expect(page.getByRole('heading', { name: 'Agents' })).toBeVisible();
  expect(page.url()).not.toContain(SERVER.sessionToken);
  const agentLink = page.locator('a.agent-link').first();
  await expect(agentLink).toBeVisible();
  await agentLink.click();
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
  await expect(page.locator('h1.agent-name')).not.toBeEmpty();
  await expect(page.getByRole('heading', { name: 'Summary' })).toBeVisible();
  await expect(page.locator('dl.facts').first()).toContainText('OS / arch');
  await expect(page.locator('dl.facts').first()).toContainText('linux');
});

test('a wrong token leads back to sign-in with the reason', async ({ page }) => {
  await page.goto('/#token=not-the-right-token');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByText('You were signed out')).toBeVisible();
});
