// Opening the app the way each project uses it: a desktop tab, a phone, or an <iframe> in
// another local page (a different origin, allowed by --frame-ancestors).
import { Page, FrameLocator, APIRequestContext, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVER } from './server';

export type Root = Page | FrameLocator;

/** The embedded agent and its workspace, as the API lists them. */
export async function embeddedAgent(request: APIRequestContext) {
  const res = await request.get(`${SERVER.url}/api/v2/workspaces`, {
    headers: { 'Coder-Session-Token': SERVER.sessionToken },
  });
  expect(res.ok()).toBeTruthy();
  const ws = (await res.json()).workspaces[0];
  const agent = ws.latest_build.resources[0].agents[0];
  return { id: agent.id as string, name: agent.name as string, workspace: ws.name as string, owner: ws.owner_name as string };
}

/** Serves one page that frames `src`, on the given port; returns a function that stops it. */
export async function serveFramer(port: number, src: string): Promise<() => Promise<void>> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>Dashboard</title><h1>Internal dashboard</h1>
      <iframe id="console" src="${src}" style="width:100%;height:90vh;border:0"></iframe>`);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Opens `path` of the app signed in, in the way the current project runs; returns the root to query. */
export async function openApp(page: Page, projectName: string, path: string, token = SERVER.sessionToken): Promise<{ root: Root; close: () => Promise<void> }> {
  const signedIn = `${path}#token=${token}`;
  if (projectName !== 'iframe') {
    await page.goto(signedIn);
    return { root: page, close: async () => {} };
  }
  const sep = path.includes('?') ? '&' : '?';
  const src = `${SERVER.url}${path}${sep}embed=1#token=${token}`;
  const close = await serveFramer(SERVER.framerPort, src);
  await page.goto(`http://127.0.0.1:${SERVER.framerPort}/`);
  return { root: page.frameLocator('#console'), close };
}

/** A local service for the ports view: its port, and a way to stop it. */
export type Service = { port: number; stop: () => Promise<void> };

/** Serves `server` on loopback (`port`, or a free one), answering every request with `greeting` and the port. */
async function serveGreeting(server: http.Server | https.Server, greeting: string, port = 0): Promise<Service> {
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${greeting} on port ${(server.address() as AddressInfo).port}`);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A local HTTP server (on `port`, or a free one) that says which port it is. */
export function startHttpService(port = 0): Promise<Service> {
  return serveGreeting(http.createServer(), 'hello from the e2e service', port);
}

/** The same over TLS, with a self-signed certificate made by the system's openssl for the
 *  test (as a development server would have): the console must reach it with `{port}s--`. */
export function startHttpsService(): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const options = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
    return serveGreeting(https.createServer(options), 'hello over TLS from the e2e service');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The page does not scroll sideways (phones). */
export async function expectNoHorizontalScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}
