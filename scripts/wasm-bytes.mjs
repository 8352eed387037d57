// Reading and writing the parts of a wasm module that the build rewrites (scripts/build-wasm.mjs).

/** A wasm module without its custom sections (id 0); the other sections are copied unchanged. */
export function stripCustomSections(bytes) {
  const keep = [...sections(bytes)].filter((s) => s.id !== 0).map((s) => bytes.subarray(s.start, s.end));
  return Buffer.concat([bytes.subarray(0, 8), ...keep]);
}

/** The sections of a wasm module: id, and where the section, its contents and it end. */
export function* sections(bytes) {
  const r = new Reader(bytes, 8);
  while (r.p < bytes.length) {
    const start = r.p;
    const id = bytes[r.p++];
    const size = r.leb();
    yield { id, start, body: r.p, end: r.p + size };
    r.p += size;
  }
}

/** A cursor over wasm bytes: unsigned LEB128 numbers and length-prefixed names. */
export class Reader {
  constructor(bytes, p) { this.bytes = bytes; this.p = p; }
  leb() {
    let value = 0, shift = 0, b;
    do { b = this.bytes[this.p++]; value += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    return value;
  }
  str() {
    const n = this.leb();
    const s = this.bytes.subarray(this.p, this.p + n).toString();
    this.p += n;
    return s;
  }
}

export function uleb(n) {
  const out = [];
  do { let b = n % 128; n = Math.floor(n / 128); if (n > 0) b |= 0x80; out.push(b); } while (n > 0);
  return Buffer.from(out);
}
