/**
 * The gateway's 64-bit hash: `Bun.hash.wyhash` with seed 0, as a u64 bigint (the entry id and
 * the context hash are both made with it). Not a MAC: a collision is possible, which is why a
 * hit compares the full canonical request too.
 *
 * @example hash64(new TextEncoder().encode("hello")) // 64-bit bigint
 */
export function hash64(bytes: Uint8Array | string): bigint {
  return BigInt(Bun.hash.wyhash(bytes, 0n));
}
