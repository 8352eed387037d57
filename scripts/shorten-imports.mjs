// Shorter import names for the main module (scripts/build-wasm.mjs, step 5).
import { readFileSync, writeFileSync } from 'node:fs';
import { Reader, sections, uleb } from './wasm-bytes.mjs';

/**
 * Renames the main module's imports from the JS glue (`__wbg_body_5f971cbc6950ca4f` becomes
 * `__wbg_body`, or `__wbg_body_2` when that is taken) in the wasm import section and in the glue.
 * wasm-bindgen adds the hashes to keep the shims of different crates apart; once linked, they
 * are 320 random 16-digit strings written twice, which brotli cannot shrink (about 5 KB of the
 * first page).
 */
export function shortenImports(wasmPath, jsPath, glueModule) {
  const bytes = readFileSync(wasmPath);
  let js = readFileSync(jsPath, 'utf8');
  const out = [bytes.subarray(0, 8)];
  let renamed = 0;
  for (const section of sections(bytes)) {
    if (section.id !== 2) { out.push(bytes.subarray(section.start, section.end)); continue; }
    const r = new Reader(bytes, section.body);
    const count = r.leb();
    const entries = [];
    for (let i = 0; i < count; i++) {
      const moduleStart = r.p;
      const module = r.str();
      const moduleBytes = bytes.subarray(moduleStart, r.p);
      const field = r.str();
      const restStart = r.p;
      const kind = bytes[r.p++];
      if (kind === 0) r.leb();
      else if (kind === 1) { r.p++; const flags = r.leb(); r.leb(); if (flags & 1) r.leb(); }
      else if (kind === 2) { const flags = r.leb(); r.leb(); if (flags & 1) r.leb(); }
      else if (kind === 3) r.p += 2;
      else throw new Error(`import ${module}.${field}: unknown kind ${kind}`);
      entries.push({ module, moduleBytes, field, rest: bytes.subarray(restStart, r.p) });
    }
    if (r.p !== section.end) throw new Error('import section not read to its end');
    const taken = new Set(entries.map((e) => e.field));
    const parts = [uleb(count)];
    for (const e of entries) {
      let field = e.field;
      const short = e.module === glueModule && /^(__wbg_\w+)_[0-9a-f]{16}$/.exec(field)?.[1];
      if (short) {
        field = short;
        for (let n = 2; taken.has(field); n++) field = `${short}_${n}`;
        taken.add(field);
        // The glue names each shim once, as a key of its imports object.
        const key = new RegExp(`\\b${e.field}\\b`, 'g');
        const uses = js.match(key)?.length ?? 0;
        if (uses !== 1) throw new Error(`${e.field} appears ${uses} times in the glue`);
        js = js.replace(key, field);
        renamed++;
      }
      const name = Buffer.from(field);
      parts.push(e.moduleBytes, uleb(name.length), name, e.rest);
    }
    const content = Buffer.concat(parts);
    out.push(Buffer.from([2]), uleb(content.length), content);
  }
  writeFileSync(wasmPath, Buffer.concat(out));
  writeFileSync(jsPath, js);
  console.log(`==> shortened ${renamed} import names`);
}
