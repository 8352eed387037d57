// A server of the spec's own, beside the shared one of playwright.config.ts: for faults (which
// would disturb other specs), for a fresh log store (the 1 MiB cap per agent), or for proxy mode.
// Also the page checks every fault and bad-input test makes: no uncaught error, no Rust panic,
// never a blank view.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { SERVER } from './server';

const ROOT = resolve(__dirname, '..', '..', '..');

/** Ports of the private servers, derived from E2E_PORT so parallel runs on other ports don't collide. */
export const PRIVATE_PORTS = {
  faults: SERVER.port + 20,
  fresh: SERVER.port + 21,
  proxy: SERVER.port + 22,
  fakeCoderd: SERVER.port + 23,
  basePath: SERVER.port + 24,
  restart: SERVER.port + 25,
  startup: SERVER.port + 26,
  binary: SERVER.port + 27,
  trunkBackend: SERVER.port + 28,
  trunkServe: SERVER.port + 29,
  cuttingFront: SERVER.port + 30,
  metadata: SERVER.port + 31,
  metadataCoderd: SERVER.port + 32,
  metadataProxy: SERVER.port + 33,
  appStatus: SERVER.port + 34,
  overviewCoderd: SERVER.port + 40,
  overviewProxy: SERVER.port + 41,
  usageCoderd: SERVER.port + 42,
  usageProxy: SERVER.port + 43,
  installable: SERVER.port + 44,
};

export interface PrivateServer {
  port: number;
  url: string;
  sessionToken: string;
  agentToken: string;
  /** The server's output so far (for failure messages). */
  output: () => string;
  stop: () => Promise<void>;
}

/** Where the server runs from: by default the release binary in the repository, serving dist/. */
export interface ServerPlace {
  /** Another copy of the binary, which then serves the app built into it (no --dist). */
  binary?: string;
  /** Its working directory (default: the repository). */
  cwd?: string;
  /** The app's files (default: the repository's dist/). */
  dist?: string;
}

/** Starts `target/release/agent-console serve` on `port` with `args`; resolves once `/api/v2/buildinfo` answers. */
export async function startServer(port: number, args: string[] = [], place: ServerPlace = {}): Promise<PrivateServer> {
  const sessionToken = `e2e-private-session-${port}-0123456789`;
  const agentToken = `e2e-private-agent-${port}-0123456789`;
  const url = `http://127.0.0.1:${port}`;
  // Its own data directory (the agent's identity and logs), unless the spec gives one.
  const dataDir = args.includes('--data-dir') ? undefined : mkdtempSync(join(tmpdir(), 'agent-console-e2e-data-'));
  const child: ChildProcess = spawn(
    place.binary ?? join(ROOT, 'target/release/agent-console'),
    ['serve', '--listen', `127.0.0.1:${port}`, ...(place.binary ? [] : ['--dist', place.dist ?? join(ROOT, 'dist')]),
      '--session-token', sessionToken, '--agent-token', agentToken,
      ...(dataDir ? ['--data-dir', dataDir] : []), ...args],
    { cwd: place.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output = (output + d).slice(-20_000); });
  let exited = false;
  const gone = new Promise<void>((done) => child.on('exit', () => { exited = true; done(); }));
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5_000))]);
      if (!exited) child.kill('SIGKILL');
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`agent-console on port ${port} exited:\n${output}`);
    try {
      const res = await fetch(`${url}/api/v2/buildinfo`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`agent-console on port ${port} did not answer /api/v2/buildinfo:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, url, sessionToken, agentToken, output: () => output, stop };
}

/** The first agent the server lists, with its workspace. */
export async function firstAgent(s: PrivateServer) {
  const res = await fetch(`${s.url}/api/v2/workspaces`, { headers: { 'Coder-Session-Token': s.sessionToken } });
  expect(res.ok).toBeTruthy();
  const ws = (await res.json()).workspaces[0];
  const agent = ws.latest_build.resources[0].agents[0];
  return { id: agent.id as string, name: agent.name as string, workspace: ws.name as string, owner: ws.owner_name as string };
}

/** A private server with its own TOML config (`--config`, in a temporary directory that
 *  `stop()` removes with the server's data). */
export async function startConfiguredServer(port: number, config: string, args: string[] = []): Promise<PrivateServer> {
  const dir = mkdtempSync(join(tmpdir(), 'agent-console-e2e-config-'));
  writeFileSync(join(dir, 'config.toml'), config);
  try {
    const srv = await startServer(port, ['--config', join(dir, 'config.toml'), ...args]);
    return { ...srv, stop: async () => { await srv.stop(); rmSync(dir, { recursive: true, force: true }); } };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Appends lines to the agent's logs through the agent route, as an agent would. */
export async function patchLines(s: { url: string; agentToken: string }, lines: string[], level = 'info') {
  const created_at = new Date().toISOString();
  const res = await fetch(`${s.url}/api/v2/workspaceagents/me/logs`, {
    method: 'PATCH',
    headers: { 'Coder-Session-Token': s.agentToken, 'content-type': 'application/json' },
    body: JSON.stringify({ logs: lines.map((output) => ({ created_at, level, output })) }),
  });
  expect(res.status, await res.text()).toBe(200);
}

/** Every log line the server holds for the agent, in order. */
export async function serverLogLines(s: { url: string; sessionToken: string }, agentId: string): Promise<string[]> {
  const res = await fetch(`${s.url}/api/v2/workspaceagents/${agentId}/logs`, {
    headers: { 'Coder-Session-Token': s.sessionToken },
  });
  expect(res.ok).toBeTruthy();
  return (await res.json()).map((l: { output: string }) => l.output);
}

/**
 * Records what must never happen on a page: an uncaught exception, or a Rust panic (the
 * console_error_panic_hook logs "panicked at ..."). Call `check()` at the end of the test.
 */
export function watchPage(page: Page) {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.text().includes('panicked')) problems.push(`console ${m.type()}: ${m.text()}`);
  });
  return {
    problems,
    check: () => expect(problems, 'uncaught errors or panics on the page').toEqual([]),
  };
}

/** The main area shows something a person can read (never a blank view). */
export async function expectNotBlank(page: Page) {
  await expect.poll(async () => ((await page.locator('#main').innerText()) ?? '').trim().length).toBeGreaterThan(0);
}
