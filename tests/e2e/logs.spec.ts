// The log viewer against the embedded backend: real startup-script output, lines posted
// through the agent route appearing live, a follow socket dropped several times mid-stream
// without losing or doubling a line, hostile text shown as text, filters, search, download,
// and 100k lines that scroll to the very end.
import { test, expect, Page, APIRequestContext } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { embeddedAgent } from './support/app';
import { SERVER } from './support/server';

async function patchLines(request: APIRequestContext, lines: string[], level = 'info') {
  const created_at = new Date().toISOString();
  const res = await request.patch(`${SERVER.url}/api/v2/workspaceagents/me/logs`, {
    headers: { 'Coder-Session-Token': SERVER.agentToken },
    data: { logs: lines.map((output) => ({ created_at, level, output })) },
  });
  expect(res.status(), await res.text()).toBe(200);
}

async function openLogs(page: Page, agentId: string) {
  await page.goto(`/agents/${agentId}/logs#token=${SERVER.sessionToken}`);
  await expect(page.locator('.log-viewer')).toBeVisible();
}

async function downloadText(page: Page): Promise<string[]> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download shown' }).click(),
  ]);
  return (await readFile(await download.path(), 'utf8')).split('\n').filter((l) => l.length > 0);
}

test('startup script output appears, coloured, as text', async ({ page, request }) => {
  const agent = await embeddedAgent(request);
  await openLogs(page, agent.id);
  const row = page.locator('.log-row', { hasText: 'Preparing the workspace' });
  await expect(row).toBeVisible();
  // ANSI colours became styled spans; no escape character reached the page.
  await expect(row.locator('span[style*="color"]').first()).toBeVisible();
  expect(await row.innerText()).not.toContain('\u001b');
});

test('lines posted through the agent route appear live', async ({ page, request }) => {
  const agent = await embeddedAgent(request);
  await openLogs(page, agent.id);
  await expect(page.locator('.feed-state')).toHaveText(/Live/);
  const marker = `live-line-${Date.now()}`;
  await patchLines(request, [marker]);
  await expect(page.locator('.log-row', { hasText: marker })).toBeVisible();
});

test('rows on screen stay put while lines arrive, the agent is re-read and frames pass (a click in progress is not lost)', async ({ page, request }) => {
  const agent = await embeddedAgent(request);
  await openLogs(page, agent.id);
  await expect(page.locator('.feed-state')).toHaveText(/Live/);
  const marker = `kept-row-${Date.now()}`;
  await patchLines(request, [marker]);
  await expect(page.locator('.log-row', { hasText: marker })).toBeVisible();
  // Watch the marker's row from now on: taking it out of the document, even to put it back at
  // once, is what made a press and release on it miss.
  await page.evaluate((text) => {
    const row = [...document.querySelectorAll('.log-row')].find((r) => r.textContent!.includes(text))!;
    const w = window as unknown as { __detached: number; __keptRow: Element };
    w.__detached = 0;
    w.__keptRow = row;
    new MutationObserver((records) => {
      for (const r of records) if ([...r.removedNodes].includes(row)) w.__detached += 1;
    }).observe(row.parentElement!, { childList: true });
  }, marker);
  const after = Array.from({ length: 3 }, (_, i) => `after-${marker}-${i}`);
  await patchLines(request, after);
  await expect(page.locator('.log-row', { hasText: after[2] })).toBeVisible();
  // The page re-reads the agent every few seconds; an unchanged agent changes no row.
  await page.waitForResponse((r) => r.url().endsWith(`/api/v2/workspaceagents/${agent.id}`), { timeout: 10_000 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null)))));
  // Frames with nothing new (scroll events at the same place) touch no row either.
  await page.evaluate(async () => {
    const viewer = document.querySelector('.log-viewer')!;
    for (let i = 0; i < 5; i++) {
      viewer.dispatchEvent(new Event('scroll'));
      await new Promise((r) => requestAnimationFrame(() => r(null)));
    }
  });
  const kept = await page.evaluate(() => {
    const w = window as unknown as { __detached: number; __keptRow: Element };
    return { detached: w.__detached, connected: w.__keptRow.isConnected };
  });
  expect(kept).toEqual({ detached: 0, connected: true });
});

test('dropping the follow socket mid-stream loses and doubles nothing', async ({ page, request }) => {
  const agent = await embeddedAgent(request);
  let drops = 0;
  // Proxy the follow socket and cut it after every second frame, four times.
  await page.routeWebSocket(/\/logs\?.*follow/, (ws) => {
    const server = ws.connectToServer();
    let frames = 0;
    server.onMessage((message) => {
      ws.send(message);
      frames += 1;
      if (frames >= 2 && drops < 4) {
        drops += 1;
        ws.close({ code: 4000, reason: 'test drop' });
        server.close();
      }
    });
  });
  await openLogs(page, agent.id);
  const run = `drop-${Date.now()}`;
  const sent: string[] = [];
  for (let batch = 0; batch < 12; batch++) {
    const lines = Array.from({ length: 25 }, (_, i) => `${run} ${String(batch * 25 + i).padStart(4, '0')}`);
    sent.push(...lines);
    await patchLines(request, lines);
    await page.waitForTimeout(150);
  }
  await expect(page.locator('.log-row', { hasText: `${run} 0299` })).toBeVisible({ timeout: 20_000 });
  expect(drops).toBeGreaterThanOrEqual(3);
  const got = (await downloadText(page)).filter((l) => l.includes(run)).map((l) => l.slice(l.indexOf(run)));
  expect(got).toEqual(sent);
  // And the viewer holds exactly what the server holds, line for line.
  const server = await request.get(`${SERVER.url}/api/v2/workspaceagents/${agent.id}/logs`, {
    headers: { 'Coder-Session-Token': SERVER.sessionToken },
  });
  const serverLines = (await server.json()).filter((l: { output: string }) => l.output.includes(run)).map((l: { output: string }) => l.output);
  expect(got).toEqual(serverLines);
});

test('HTML in a log line is shown as text and runs nothing', async ({ page, request }) => {
  const agent = await embeddedAgent(request);
  await openLogs(page, agent.id);
  const hostile = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> <a href="javascript:window.__pwned=3">x</a> ${Date.now()}`;
  await patchLines(request, [hostile], 'error');
  const row = page.locator('.log-row', { hasText: '<img src=x' });
  await expect(row).toBeVisible();
  await expect(row).toContainText('<script>window.__pwned=2</script>');
  expect(await page.locator('.log-viewer img, .log-viewer script, .log-viewer a[href^="javascript"]').count()).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
});

test('level filter, search with highlights, and download of the filtered lines', async ({ page, request }) => {
  const agent = await embeddedAgent(request);
  const run = `filter-${Date.now()}`;
  await patchLines(request, [`${run} alpha`, `${run} beta`], 'info');
  await patchLines(request, [`${run} gamma broke`], 'error');
  await openLogs(page, agent.id);
  await expect(page.locator('.log-row', { hasText: `${run} gamma` })).toBeVisible();

  await page.locator('#log-search').fill(run);
  await expect(page.locator('.search-count')).toHaveText('3 matches');
  await expect(page.locator('mark.search-hit').first()).toBeVisible();
  await page.getByRole('button', { name: 'Next match' }).click();
  await expect(page.locator('.search-count')).toHaveText('1 of 3');
  await page.getByRole('button', { name: 'Next match' }).click();
  await expect(page.locator('.search-count')).toHaveText('2 of 3');
  await expect(page.locator('.log-row.current-hit')).toContainText(`${run} beta`);
  await page.getByRole('button', { name: 'Previous match' }).click();
  await expect(page.locator('.search-count')).toHaveText('1 of 3');

  await page.locator('.level-filter').getByLabel('info').uncheck();
  await expect(page.locator('.log-row', { hasText: `${run} alpha` })).toHaveCount(0);
  await expect(page.locator('.log-row', { hasText: `${run} gamma` })).toBeVisible();
  const lines = (await downloadText(page)).filter((l) => l.includes(run));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain('gamma broke');
  expect(lines[0]).toContain('error');
});

test('100k lines scroll to the very last one', async ({ page, request }) => {
  test.setTimeout(120_000);
  const agent = await embeddedAgent(request);
  // Short lines, within the shared server's log cap (tests/e2e/support/server.toml).
  const last = `last-of-100k-${Date.now()}`;
  for (let b = 0; b < 10; b++) {
    const lines = Array.from({ length: 10_000 }, (_, i) => (b * 10_000 + i).toString(36));
    if (b === 9) lines[lines.length - 1] = last;
    await patchLines(request, lines);
  }
  await openLogs(page, agent.id);
  await expect(page.locator('.log-row', { hasText: last })).toBeVisible({ timeout: 30_000 });
  // Virtualized: only a few hundred rows in the DOM, whatever the total.
  expect(await page.locator('.log-row').count()).toBeLessThanOrEqual(300);
  // Scroll to the top and back to the end with the keyboard-free control.
  await page.locator('.log-viewer').evaluate((el) => { el.scrollTop = 0; });
  await expect(page.locator('.log-row', { hasText: last })).toHaveCount(0);
  await page.getByRole('button', { name: /Jump to latest/ }).click();
  await expect(page.locator('.log-row', { hasText: last })).toBeVisible();
});

/** Lines with a marker, the ids the server gave them, in order. */
async function linesWithIds(request: APIRequestContext, agentId: string, marker: string) {
  const res = await request.get(`${SERVER.url}/api/v2/workspaceagents/${agentId}/logs`, {
    headers: { 'Coder-Session-Token': SERVER.sessionToken },
  });
  expect(res.ok()).toBeTruthy();
  return ((await res.json()) as { id: number; output: string }[]).filter((l) => l.output.includes(marker));
}

test('a line link copied on one page lands on that line in another, after a reload, embedded and on a phone', async ({ page, context, browser, request }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: SERVER.url });
  const agent = await embeddedAgent(request);
  const run = `link-${Date.now()}`;
  await patchLines(request, Array.from({ length: 3000 }, (_, i) => `${run} line ${i}`));
  const lines = await linesWithIds(request, agent.id, run);
  const [target, second, third] = [lines[1500], lines[1501], lines[1502]];
  await openLogs(page, agent.id);
  // The whole backlog first (the shared server holds 100k lines by now): a search typed before
  // its lines arrive finds nothing to jump to.
  await expect(page.locator('.log-row', { hasText: `${run} line 2999` })).toBeVisible({ timeout: 30_000 });
  // Bring line 1500 on screen with the search, then link it and shift-click to line 1502.
  await page.getByLabel('Search the logs').fill(`${run} line 1500`);
  await page.getByLabel('Search the logs').press('Enter');
  const row = (l: { id: number }) => page.locator(`.log-row[data-id="${l.id}"]`);
  await row(target).hover();
  await row(target).locator('.log-anchor').click();
  await expect(page).toHaveURL(new RegExp(`#L${target.id}$`));
  await page.getByLabel('Search the logs').fill('');
  await row(third).hover();
  await row(third).locator('.log-anchor').click({ modifiers: ['Shift'] });
  await expect(page).toHaveURL(new RegExp(`#L${target.id}-L${third.id}$`));
  await expect(page.locator('.log-row.linked')).toHaveCount(3);
  await expect(page.locator('.link-bar')).toContainText(`Lines ${target.id}–${third.id} linked`);
  await page.locator('.link-bar').getByRole('button', { name: 'Copy link' }).click();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  expect(link).toBe(`${SERVER.url}/agents/${agent.id}/logs#L${target.id}-L${third.id}`);
  expect(link).not.toContain(SERVER.sessionToken);

  // Another page, signed in by its own link: it opens at the linked lines, highlighted.
  const lands = async (p: typeof page) => {
    await expect(p.locator('.log-row.linked')).toHaveCount(3, { timeout: 20_000 });
    for (const l of [target, second, third]) await expect(p.locator(`.log-row.linked[data-id="${l.id}"]`)).toBeInViewport();
    await expect(p.locator('.link-bar')).toContainText(`Lines ${target.id}–${third.id} linked`);
  };
  const other = await context.newPage();
  await other.goto(`${link}&token=${SERVER.sessionToken}`);
  await lands(other);
  // The token left the address; the link stayed.
  expect(other.url()).toBe(link);
  await other.reload();
  await lands(other);
  // Embedded, the address keeps its query.
  await other.goto(`${SERVER.url}/agents/${agent.id}/logs?embed=1#L${target.id}-L${third.id}`);
  await lands(other);
  await other.close();
  const phone = await browser.newContext({ viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true, serviceWorkers: 'block' });
  try {
    const p = await phone.newPage();
    await p.goto(`${link}&token=${SERVER.sessionToken}`);
    await lands(p);
    // A tap on a line's link names that line.
    await p.locator(`.log-row[data-id="${second.id}"] .log-anchor`).tap();
    await expect(p).toHaveURL(new RegExp(`#L${second.id}$`));
    await expect(p.locator('.log-row.linked')).toHaveCount(1);
  } finally {
    await phone.close();
  }
});

test('"Download all" is the server\'s plain-text log, line for line the REST backlog', async ({ page, request }) => {
  const agent = await embeddedAgent(request);
  const run = `text-${Date.now()}`;
  await patchLines(request, [`${run} \u001b[31mred\u001b[0m`, `${run} <b>bold</b>`], 'warn');
  await openLogs(page, agent.id);
  await expect(page.locator('.log-row', { hasText: `${run} <b>bold</b>` })).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download all' }).click(),
  ]);
  const file = (await readFile(await download.path(), 'utf8')).replace(/\n$/, '').split('\n');
  const res = await request.get(`${SERVER.url}/api/v2/workspaceagents/${agent.id}`, { headers: { 'Coder-Session-Token': SERVER.sessionToken } });
  const sources = new Map(((await res.json()).log_sources as { id: string; display_name: string }[]).map((s) => [s.id, s.display_name]));
  const backlog = await request.get(`${SERVER.url}/api/v2/workspaceagents/${agent.id}/logs`, { headers: { 'Coder-Session-Token': SERVER.sessionToken } });
  const expected = ((await backlog.json()) as { created_at: string; level: string; output: string; source_id: string }[]).map((l) => {
    const time = new Date(l.created_at).toISOString().replace(/\.\d+Z$/, 'Z');
    const source = sources.get(l.source_id);
    return `${time} [${l.level}] [agent.${agent.name}${source ? `|${source}` : ''}] ${l.output}`;
  }).join('\n').split('\n');
  // Lines may have arrived after the download: it is the backlog's beginning, every line equal.
  expect(file.length).toBeGreaterThan(0);
  expect(file).toEqual(expected.slice(0, file.length));
  // ANSI is kept as the server wrote it.
  expect(file.some((l) => l.includes('[warn]') && l.endsWith(`${run} \u001b[31mred\u001b[0m`))).toBe(true);
});
