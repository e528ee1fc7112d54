/**
 * Little-endian f16 bytes of a float vector: the store's embedding format. Values beyond
 * f16's range become ±Infinity, which the store refuses; embedding models answer unit-scale
 * values, far inside it.
 *
 * @example f16Vector([0.5, -1]) // Uint8Array [0, 56, 0, 188]
 */
export function f16Vector(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat16(i * 2, values[i] as number, true);
  return bytes;
}
