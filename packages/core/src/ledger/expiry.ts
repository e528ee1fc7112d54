import { existsSync } from "node:fs";
import { checkTtl, expiresAtOf } from "../contract/ttl.ts";
import { TTL_MARKER } from "../disk/layout.ts";
import type { TenantDirs } from "../disk/tenant-dirs.ts";

/** How often a store that has seen no TTL looks for the root's TTL marker, in ms. */
const MARKER_RECHECK_MS = 1000;

/**
 * The store's clock and what expiry means on it: the expiry of a new write, whether
 * an expiry has passed, and whether reads must look at headers at all (only once a
 * TTL entry was written to the root by any store: the TTL marker file).
 */
export class Expiry {
  #ttlInUse: boolean;
  #markerCheckedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly dirs: TenantDirs,
    /** Milliseconds since the epoch. */
    readonly clock: () => number,
    private readonly defaultTtlSeconds: number,
  ) {
    this.#ttlInUse = defaultTtlSeconds > 0;
  }

  /** Now, in whole unix seconds. */
  nowSeconds(): bigint {
    return BigInt(Math.floor(this.clock() / 1000));
  }

  /**
   * The expiry of an entry written now with `ttlSeconds` (else the store's default):
   * 0 for never. Rounded up, so an entry lives at least ttl seconds (expiry has
   * one-second resolution). The first expiring write marks the root.
   */
  expiresAtFor(ttlSeconds: number | undefined): bigint {
    const ttl = checkTtl(ttlSeconds ?? this.defaultTtlSeconds);
    if (ttl !== 0 && !this.#ttlInUse) this.#markRoot();
    return expiresAtOf(ttl, this.clock());
  }

  /** True when `expiresAt` (unix seconds, 0 never) has passed. */
  isExpired(expiresAt: bigint): boolean {
    return expiresAt !== 0n && expiresAt <= this.nowSeconds();
  }

  /**
   * Whether listings and `exists` must read headers for expiry: once a TTL entry was
   * written to this root by any store (the marker is looked for at most once a second).
   */
  checksNeeded(): boolean {
    if (this.#ttlInUse) return true;
    const now = performance.now();
    if (now - this.#markerCheckedAt < MARKER_RECHECK_MS) return false;
    this.#markerCheckedAt = now;
    this.#ttlInUse = existsSync(`${this.dirs.root}/${TTL_MARKER}`);
    return this.#ttlInUse;
  }

  /** Marks the root as holding TTL entries, before the first one is written. */
  #markRoot(): void {
    this.dirs.createMarker(TTL_MARKER);
    this.#ttlInUse = true;
  }
}
