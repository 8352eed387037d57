// Tiny wasm modules written byte by byte, for the tests of the build's post-processing.
import { uleb } from '../wasm-bytes.mjs';

const name = (s) => { const b = Buffer.from(s); return Buffer.concat([uleb(b.length), b]); };
export const section = (id, content) => Buffer.concat([Buffer.from([id]), uleb(content.length), content]);
export const HEADER = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
/** One function type, () -> (). */
export const TYPES = section(1, Buffer.from([0x01, 0x60, 0x00, 0x00]));
/** An import section of functions of type 0: [[module, field], ...]. */
export const imports = (list) => section(2, Buffer.concat([uleb(list.length),
  ...list.map(([module, field]) => Buffer.concat([name(module), name(field), Buffer.from([0x00, 0x00])]))]));
/** A custom section. */
export const custom = (title, bytes) => section(0, Buffer.concat([name(title), Buffer.from(bytes)]));
export const module = (...parts) => Buffer.concat([HEADER, ...parts]);
