// Byte helpers of the test suites: deterministic patterns, fast comparison, concatenation.

/**
 * `length` deterministic bytes that depend on `seed`: little-endian 32-bit words where
 * word i is `mix(i) ^ seed`. Two different seeds differ in every whole word, so a block
 * taken from another write shows; two patterns of one seed agree on their common prefix.
 *
 * @example
 * const payload = patternBytes(64 * 1024, 7);
 */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const words = new Uint32Array(Math.ceil(length / 4));
  for (let i = 0; i < words.length; i++) words[i] = (Math.imul(i + 1, 0x9e3779b1) ^ seed) >>> 0;
  const bytes = new Uint8Array(words.buffer);
  return length === bytes.byteLength ? bytes : bytes.slice(0, length);
}

/** True when `a` and `b` hold the same bytes (fast for large arrays). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** The byte arrays one after another, in a new array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
