// The tool versions of scripts/tool-versions.env, for the build scripts: the build stops at once,
// saying what to do, when an installed tool is not the version the build was made for.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FILE = join(dirname(fileURLToPath(import.meta.url)), 'tool-versions.env');

/** `KEY=value` lines of a tool-versions file (comments and blank lines skipped). */
export function parseToolVersions(text) {
  const versions = {};
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Z0-9_]+)=([^\s#]+)$/.exec(line);
    if (!m) throw new Error(`tool-versions.env: cannot read the line ${JSON.stringify(line)}`);
    versions[m[1]] = m[2];
  }
  return versions;
}

export const toolVersions = () => parseToolVersions(readFileSync(FILE, 'utf8'));

/** What is wrong with the installed wasm-bindgen and wasm-split-cli, or [] when nothing is. */
export function toolProblems(want, found) {
  const problems = [];
  if (found.wasmBindgen !== `wasm-bindgen ${want.WASM_BINDGEN_VERSION}`) {
    problems.push(`wasm-bindgen ${want.WASM_BINDGEN_VERSION} is needed; found ${found.wasmBindgen ?? 'none'}`);
  }
  if (found.wasmSplit !== want.WASM_SPLIT_VERSION) {
    problems.push(`wasm-split-cli ${want.WASM_SPLIT_VERSION} is needed; found ${found.wasmSplit ?? 'none'}`);
  }
  return problems;
}

/** Throws, saying how to fix it, unless the installed tools are the versions of tool-versions.env. */
export function checkTools() {
  const read = (fn) => { try { return fn().trim(); } catch { return undefined; } };
  const found = {
    wasmBindgen: read(() => execFileSync('wasm-bindgen', ['--version'], { encoding: 'utf8' })),
    // scripts/setup.sh notes the version it installed (the tool has no --version).
    wasmSplit: read(() => readFileSync(join(homedir(), '.cargo/bin/.wasm-split-cli.version'), 'utf8')),
  };
  const problems = toolProblems(toolVersions(), found);
  if (problems.length) throw new Error(`${problems.join('; ')}: run scripts/setup.sh`);
}
