import { StoreError } from "./store-error.ts";

/** A TTL as the contract takes it: a whole number of seconds >= 0 (0: never expires); `invalid_argument` otherwise. */
export function checkTtl(ttlSeconds: number): number {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0) {
    throw new StoreError("invalid_argument", `ttlSeconds must be a non-negative integer, got ${ttlSeconds}`);
  }
  return ttlSeconds;
}

/**
 * The expiry, in unix seconds, of an entry written at `nowMs` with `ttlSeconds` (already
 * checked): 0n for never. Rounded up, so an entry lives at least `ttlSeconds` (expiry has
 * one-second resolution).
 */
export function expiresAtOf(ttlSeconds: number, nowMs: number): bigint {
  return ttlSeconds === 0 ? 0n : BigInt(Math.ceil(nowMs / 1000)) + BigInt(ttlSeconds);
}
