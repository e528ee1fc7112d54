/** `vector` as little-endian f16 bytes, the store's embedding format (values rounded to the nearest f16). */
export function encodeF16(vector: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(vector.length * 2);
  const view = new DataView(bytes.buffer);
  for (const [i, value] of vector.entries()) view.setFloat16(i * 2, value, true);
  return bytes;
}
