// Inline images in the terminal (@xterm/addon-image), against the embedded backend's real PTY:
// a Sixel image and an iTerm (OSC 1337) PNG printed by `cat` are drawn on the terminal's image
// layer; an image past the pixel limit is dropped and the shell goes on; many images stay within
// the terminal's image memory, the oldest giving way.
//
// Terminal text is read through `window.__agentConsoleTerminalText()`, the image memory through
// `window.__agentConsoleTerminalInfo()` (see terminal.spec.ts).
import { test, expect, type Page } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { SERVER } from './support/server';
import { embeddedAgent } from './support/app';
import { connected, run, seeLine, shownTerminal, failOnPageErrors, terminalInfo } from './support/terminal';

const dir = mkdtempSync(join(tmpdir(), 'agent-console-images-'));

/** A Sixel image of one colour, `width` × `height` pixels (height a multiple of 6). */
function sixel(width: number, height: number, [r, g, b]: [number, number, number]): string {
  const pct = (c: number) => Math.round((c / 255) * 100);
  const band = `#1!${width}~`;
  const bands = Array.from({ length: height / 6 }, () => band).join('-');
  return `\x1bPq"1;1;${width};${height}#1;2;${pct(r)};${pct(g)};${pct(b)}${bands}\x1b\\`;
}

/** A PNG of one colour (RGB, no filter), as bytes. */
function png(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3).map((_, i) => [r, g, b][i % 3])]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An iTerm inline image sequence for a file's bytes. */
function iterm(bytes: Buffer): string {
  return `\x1b]1337;File=inline=1;size=${bytes.length}:${bytes.toString('base64')}\x07`;
}

/** Writes `content` to a file the shell can `cat`; returns its path. */
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const info = terminalInfo;

/** How many pixels of the shown terminal's image layer are close to `rgb`. */
function pixelsOf(page: Page, rgb: [number, number, number]): Promise<number> {
  return page.evaluate((rgb) => {
    const canvas = document.querySelector<HTMLCanvasElement>('.terminal-page:not(.background) canvas.xterm-image-layer');
    if (!canvas || canvas.width === 0 || canvas.height === 0) return 0;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && rgb.every((c, k) => Math.abs(data[i + k] - c) < 24)) n++;
    }
    return n;
  }, rgb);
}

const RED: [number, number, number] = [255, 0, 0];
const BLUE: [number, number, number] = [0, 0, 255];

failOnPageErrors();

async function openTerminal(page: Page, request: Parameters<typeof embeddedAgent>[0]) {
  const agent = await embeddedAgent(request);
  await page.goto(`/agents/${agent.id}/terminal#token=${SERVER.sessionToken}`);
  await connected(page);
}

test('a Sixel image and an iTerm PNG are drawn in the terminal', async ({ page, request }) => {
  await openTerminal(page, request);
  // Control: no image yet, so no red or blue on the layer, and no image memory used.
  expect(await pixelsOf(page, RED)).toBe(0);
  expect((await info(page)).imageStorageMb).toBe(0);

  await run(page, `clear; cat ${file('red.six', sixel(60, 36, RED))}; echo sixel-done`);
  await seeLine(page, /^sixel-done$/);
  // 60 × 36 pixels drawn (at the page's device pixel ratio, 1 in the desktop project).
  await expect.poll(() => pixelsOf(page, RED)).toBeGreaterThanOrEqual(60 * 36 * 0.9);
  expect(await pixelsOf(page, BLUE)).toBe(0);

  // The cursor stays on the image's last row, beside it (iTerm's placement): `echo` moves on, so
  // that no text is written over the image's cells, which would replace them.
  await run(page, `cat ${file('blue.iterm', iterm(png(40, 30, BLUE)))}; echo; echo iterm-done`);
  await seeLine(page, /^iterm-done$/);
  await expect.poll(() => pixelsOf(page, BLUE)).toBeGreaterThanOrEqual(40 * 30 * 0.9);
  // Both are held: 60·36 + 40·30 pixels of 4 bytes.
  expect((await info(page)).imageStorageMb).toBeCloseTo(((60 * 36 + 40 * 30) * 4) / 1e6, 4);
  // The sequences are not shown as text.
  expect(await page.evaluate(() => window.__agentConsoleTerminalText?.() ?? '')).not.toContain('1337');
});

test('an image past the pixel limit is dropped, and many images stay within the memory bound', async ({ page, request }) => {
  await openTerminal(page, request);
  const { imageLimitMb } = await info(page);
  expect(imageLimitMb).toBe(16);

  // 3000 × 2004 pixels is past the 2048 × 2048 limit: dropped, and the shell goes on.
  await run(page, `clear; cat ${file('huge.six', sixel(3000, 2004, RED))}; echo huge-done`);
  await seeLine(page, /^huge-done$/);
  expect((await info(page)).imageStorageMb).toBe(0);

  // Control: one image within the limit is held.
  const one = file('one.six', sixel(1020, 1020, BLUE));
  await run(page, `clear; cat ${one}; echo one-done`);
  await seeLine(page, /^one-done$/);
  const each = (1020 * 1020 * 4) / 1e6;
  await expect.poll(async () => (await info(page)).imageStorageMb).toBeCloseTo(each, 4);

  // Ten of them (41.6 MB decoded) keep no more than the 16 MB bound: the oldest give way.
  await run(page, `for i in 1 2 3 4 5 6 7 8 9 10; do cat ${one}; done; echo ten-done`);
  await seeLine(page, /^ten-done$/);
  const held = (await info(page)).imageStorageMb;
  expect(held).toBeLessThanOrEqual(16);
  expect(held).toBeGreaterThanOrEqual(16 - each);
  await expect(shownTerminal(page).locator('.terminal-status .badge-label')).toHaveText('Connected');
});
