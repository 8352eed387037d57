// The fonts the terminal offers besides the system's monospace, from their npm packages (each
// versioned in package.json; licences: @fontsource/jetbrains-mono OFL-1.1, @azurity/pure-nerd-font
// MIT — the Nerd Fonts symbols, nerd-fonts 2.2). Loaded only when a user picks them
// (src/terminal/fonts.rs): each file is copied to dist/ under a content-hashed name (so it is
// cached for good: the server treats `name-<16 hex>.ext` as immutable), and one small stylesheet,
// vendor/fonts/terminal-fonts.css (not hashed: the app names it), declares the faces.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FONTS = [
  { family: 'JetBrains Mono', weight: 400, file: 'node_modules/@fontsource/jetbrains-mono/files/jetbrains-mono-latin-400-normal.woff2' },
  { family: 'JetBrains Mono', weight: 700, file: 'node_modules/@fontsource/jetbrains-mono/files/jetbrains-mono-latin-700-normal.woff2' },
  { family: 'Pure Nerd Font', weight: 400, file: 'node_modules/@azurity/pure-nerd-font/PureNerdFont.woff2' },
];

/** Copies the font files into `dist` and writes their stylesheet. */
export function installTerminalFonts(dist) {
  for (const old of readdirSync(dist).filter((f) => /^termfont-.*\.woff2(\.br|\.gz)?$/.test(f))) rmSync(join(dist, old));
  const faces = FONTS.map(({ family, weight, file }) => {
    const bytes = readFileSync(file);
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
    const slug = family.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    const name = `termfont-${slug}-${weight}-${hash}.woff2`;
    writeFileSync(join(dist, name), bytes);
    // The stylesheet is in vendor/fonts/: the fonts are two levels up.
    return `@font-face { font-family: '${family}'; font-weight: ${weight}; font-style: normal; font-display: block; src: url('../../${name}') format('woff2'); }`;
  });
  mkdirSync(join(dist, 'vendor/fonts'), { recursive: true });
  writeFileSync(join(dist, 'vendor/fonts/terminal-fonts.css'), faces.join('\n') + '\n');
  console.log(`==> terminal fonts: ${FONTS.length} files, vendor/fonts/terminal-fonts.css`);
}
