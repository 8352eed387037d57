// The development loop (issue 18): `trunk serve` builds the app (Trunk.toml's post_build hook,
// scripts/build-wasm.mjs in its debug mode), serves it, proxies /api/v2 to a running
// `agent-console serve` over HTTP and, under /ws, its WebSockets; a change rebuilds it.
//
// The repository's Trunk.toml is used with only its ports, paths and watch list swapped (so that
// this test neither needs :7080/:8080 free nor writes the real dist/); a swap that no longer finds
// its text fails the test, naming it.
import { test, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PRIVATE_PORTS, firstAgent, startServer, watchPage, type PrivateServer } from './support/private';

const ROOT = resolve(__dirname, '..', '..');
const SERVE = `http://127.0.0.1:${PRIVATE_PORTS.trunkServe}`;

/** Trunk.toml for this test: absolute paths, its own dist and ports, watching only `trigger`. */
function trunkConfig(dir: string, trigger: string): string {
  let text = readFileSync(join(ROOT, 'Trunk.toml'), 'utf8');
  const swaps: [string | RegExp, string][] = [
    ['target = "index.html"', `target = "${ROOT}/index.html"`],
    ['dist = "dist"', `dist = "${dir}/dist"`],
    ['command_arguments = ["scripts/build-wasm.mjs"]', `command_arguments = ["${ROOT}/scripts/build-wasm.mjs"]`],
    [/^watch = \[.*\]$/m, `watch = ["${trigger}"]`],
    [/^port = 8080$/m, `port = ${PRIVATE_PORTS.trunkServe}`],
    [/127\.0\.0\.1:7080/g, `127.0.0.1:${PRIVATE_PORTS.trunkBackend}`],
  ];
  for (const [from, to] of swaps) {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`Trunk.toml no longer has ${from}: update tests/e2e/trunk-serve.spec.ts`);
    text = next;
  }
  return text;
}

let dir: string;
let trigger: string;
let backend: PrivateServer;
let trunk: ChildProcess;
let output = '';
const builds = () => output.split('✅ success').length - 1;

test.beforeAll(async () => {
  test.setTimeout(600_000);
  dir = mkdtempSync(join(tmpdir(), 'agent-console-trunk-serve-'));
  trigger = join(dir, 'trigger');
  writeFileSync(trigger, 'a change\n');
  writeFileSync(join(dir, 'Trunk.toml'), trunkConfig(dir, trigger));
  backend = await startServer(PRIVATE_PORTS.trunkBackend);
  trunk = spawn('trunk', ['serve', '--config', join(dir, 'Trunk.toml')], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRUNK_SKIP_VERSION_CHECK: 'true', NO_COLOR: 'true' },
  });
  trunk.stdout!.on('data', (d) => { output = (output + d).slice(-200_000); });
  trunk.stderr!.on('data', (d) => { output = (output + d).slice(-200_000); });
  // The first build compiles the app in the dev profile: minutes on a cold machine.
  const deadline = Date.now() + 540_000;
  while (builds() < 1) {
    if (trunk.exitCode !== null) throw new Error(`trunk serve exited:\n${output.slice(-5_000)}`);
    if (Date.now() > deadline) throw new Error(`trunk serve built nothing in 9 minutes:\n${output.slice(-5_000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
});

test.afterAll(async () => {
  trunk?.kill('SIGTERM');
  await backend?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('trunk serve gives a working app: the API over its proxy, the terminal over its WebSocket proxy, and rebuilds on change', async ({ page }) => {
  test.setTimeout(240_000);
  const watch = watchPage(page);
  const agent = await firstAgent(backend);
  // The page is Trunk's, the agent the backend's (through the HTTP proxy).
  const page0 = await (await fetch(`${SERVE}/agents/${agent.id}`)).text();
  expect(page0).toContain('name="agent-console-socket-prefix" content="/ws"');
  await page.goto(`${SERVE}/agents/${agent.id}#token=${backend.sessionToken}`);
  await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
  // A deep route's terminal: a shell through the WebSocket proxy.
  await page.goto(`${SERVE}/agents/${agent.id}/terminal`);
  await page.locator('.xterm').click();
  await page.keyboard.type('echo trunk-serve-$((6*7))\n');
  await expect.poll(() => page.evaluate(() => (window as unknown as { __agentConsoleTerminalText?: () => string }).__agentConsoleTerminalText?.() ?? ''), { timeout: 30_000 })
    .toContain('trunk-serve-42');
  // A change rebuilds the app, and the rebuilt page works.
  const before = builds();
  appendFileSync(trigger, 'another change\n');
  await expect.poll(builds, { timeout: 180_000 }).toBeGreaterThan(before);
  await page.goto(`${SERVE}/agents/${agent.id}`);
  await expect(page.locator('h1.agent-name')).toHaveText(agent.name);
  watch.check();
});
