// Takes the README's screenshots: every view on a desktop and a phone viewport, against the
// embedded backend. Run with `make screenshots` (builds first); writes docs/screenshots/*.png.
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const port = Number(process.env.SHOT_PORT ?? 17580);
const token = 'screenshot-session-token';
const base = `http://127.0.0.1:${port}`;
const out = 'docs/screenshots';
mkdirSync(out, { recursive: true });

const server = spawn('target/release/agent-console', ['serve', '--listen', `127.0.0.1:${port}`, '--dist', 'dist',
  '--session-token', token, '--agent-token', 'screenshot-agent-token',
  '--data-dir', `target/screenshot-data-${Date.now()}`], { stdio: 'ignore' });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
try {
  let agent;
  for (let i = 0; i < 100 && !agent; i++) {
    try {
      const res = await fetch(`${base}/api/v2/workspaces`, { headers: { 'Coder-Session-Token': token } });
      agent = (await res.json()).workspaces[0].latest_build.resources[0].agents[0];
    } catch { await sleep(100); }
  }
  // Give the startup scripts time to finish so the overview shows "Ready".
  await sleep(4000);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu',
    '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const views = [['agents', '/'], ['overview', `/agents/${agent.id}`], ['startup', `/agents/${agent.id}/startup`],
    ['logs', `/agents/${agent.id}/logs`], ['terminal', `/agents/${agent.id}/terminal`], ['ports', `/agents/${agent.id}/ports`],
    ['network', `/agents/${agent.id}/network`], ['containers', `/agents/${agent.id}/containers`], ['tools', '/tools']];
  for (const [device, viewport, mobile] of [['desktop', { width: 1280, height: 860 }, false], ['phone', { width: 360, height: 640 }, true]]) {
    const context = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, deviceScaleFactor: mobile ? 2 : 1, colorScheme: 'dark',
      serviceWorkers: 'block' });
    const page = await context.newPage();
    await page.goto(`${base}/#token=${token}`);
    for (const [name, path] of views) {
      await page.goto(`${base}${path}`);
      await sleep(1500);
      await page.screenshot({ path: `${out}/${name}-${device}.png`, fullPage: false });
      console.log(`${out}/${name}-${device}.png`);
    }
    await context.close();
  }
  await browser.close();
} finally {
  server.kill('SIGTERM');
}
