// End-to-end tests: a real Chromium (Debian's /usr/bin/chromium) against the real server,
// started here with the embedded backend on a loopback port and fixed test tokens.
// The view tests run three times: desktop, a 360×640 touch phone, and inside an <iframe>; the
// terminal's phone tests (terminal-phone.spec.ts) run on the phone only.
import { defineConfig, devices } from '@playwright/test';
import { SERVER } from './support/server';

const chromiumArgs = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export default defineConfig({
  testDir: '.',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: '../../test-results',
  use: {
    baseURL: SERVER.url,
    trace: 'retain-on-failure',
    // The app's service worker would take over pages and their requests (and hide them from
    // page.route): only installable.spec.ts lets it run.
    serviceWorkers: 'block',
    launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
  },
  projects: [
    // terminal-phone.spec.ts is for the phone project only.
    { name: 'desktop', testMatch: '**/*.spec.ts', testIgnore: '**/terminal-phone.spec.ts', use: { viewport: { width: 1280, height: 800 } } },
    {
      name: 'phone',
      testMatch: ['**/views.spec.ts', '**/terminal-phone.spec.ts'],
      use: { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
             userAgent: devices['Pixel 5'].userAgent },
    },
    { name: 'iframe', testMatch: '**/views.spec.ts', use: { viewport: { width: 1024, height: 768 } } },
  ],
  webServer: {
    command: SERVER.command,
    url: `${SERVER.url}/api/v2/buildinfo`,
    cwd: '../..',
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
