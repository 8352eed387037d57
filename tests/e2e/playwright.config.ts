// End-to-end tests: a real Chromium (Debian's /usr/bin/chromium) against the real server,
// started here with the embedded backend on a loopback port and fixed test tokens.
import { defineConfig } from '@playwright/test';
import { SERVER } from './support/server';

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
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
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
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
