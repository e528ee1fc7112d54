import type { EvictionReason, RetentionStats } from "../contract/entry-store.ts";
import { entryFilePath } from "../disk/layout.ts";
import { removeEntryFile } from "../disk/remove-entry-file.ts";
import type { ResolvedRetention } from "../store/store-options.ts";
import type { LedgerSubscriber, RemovedEntry, WrittenEntry } from "./ledger.ts";
import type { ReclaimContext, Reclaimer } from "./reclaim.ts";
import { RetentionIndex, type Victim } from "./retention-index.ts";

/** What retention needs from its store. */
export interface RetentionContext extends ReclaimContext {
  readonly bounds: ResolvedRetention;
  readonly reclaimer: Reclaimer;
}

const NO_EVICTIONS: Readonly<Record<EvictionReason, number>> = {
  tenant_entries: 0,
  tenant_bytes: 0,
  root_entries: 0,
  root_bytes: 0,
};

/** The bounds as `RetentionStats` reports them (null when unbounded). */
function reportedBounds(r: ResolvedRetention): RetentionStats["bounds"] {
  const finite = (value: number) => (Number.isFinite(value) ? value : null);
  return {
    defaultTtlSeconds: r.defaultTtlSeconds,
    maxBytes: finite(r.maxBytes),
    maxEntries: finite(r.maxEntries),
    tenantMaxBytes: finite(r.tenantMaxBytes),
    tenantMaxEntries: finite(r.tenantMaxEntries),
  };
}

/** Retention figures of a store with no retention index (nothing bounded, no default TTL). */
export function unindexedRetentionStats(bounds: ResolvedRetention, expirations: number): RetentionStats {
  return { bounds: reportedBounds(bounds), indexReady: true, evictions: { ...NO_EVICTIONS }, expirations };
}

/**
 * TTL and size bounds of a store that sets any: keeps the {@link RetentionIndex}
 * current from the ledger, evicts least recently used entries after each write
 * (see README "Retention"), reclaims expired entries and writes last access back
 * to the files on timers.
 */
export class Retention implements LedgerSubscriber {
  readonly index: RetentionIndex;
  /** Resolves once the index has scanned the whole root and the store was brought within its bounds. */
  readonly ready: Promise<void>;
  readonly #evictions: Record<EvictionReason, number> = { ...NO_EVICTIONS };
  readonly #timers: ReturnType<typeof setInterval>[] = [];

  constructor(private readonly context: RetentionContext) {
    this.index = new RetentionIndex(context.root);
    this.ready = this.index.build().then(() => {
      this.enforceAllBounds();
    });
    const { reclaimIntervalMs, persistAccessIntervalMs } = context.bounds;
    if (reclaimIntervalMs > 0) this.#timers.push(setInterval(() => this.reclaimIndexed(), reclaimIntervalMs));
    if (persistAccessIntervalMs > 0) {
      this.#timers.push(setInterval(() => this.persistAccessTimes(), persistAccessIntervalMs));
    }
    for (const timer of this.#timers) timer.unref();
  }

  /** Ledger: records the write, then evicts down to the bounds (never the entry just written). */
  written(entry: WrittenEntry): void {
    const { tenantId, entryId } = entry;
    this.index.written(tenantId, entryId, entry.fileBytes, entry.expiresAt, this.context.expiry.clock());
    this.#enforceTenantBounds(tenantId, entry);
    this.#enforceRootBounds(entry);
  }

  /** Ledger: forgets a removed entry. */
  removed(entry: RemovedEntry): void {
    this.index.deleted(entry.tenantId, entry.entryId);
  }

  /** Ledger: forgets an entry whose file is gone. */
  vanished(tenantId: bigint, entryId: bigint): void {
    this.index.deleted(tenantId, entryId);
  }

  /** Ledger: a tenant's directory went (deleted, or removed empty): forgets its entries. */
  tenantRemoved(tenantId: bigint): void {
    this.index.tenantDeleted(tenantId);
  }

  /** Ledger: the entry becomes its tenant's most recently used. */
  accessed(tenantId: bigint, entryId: bigint): void {
    this.index.accessed(tenantId, entryId, this.context.expiry.clock());
  }

  /** Evictions so far, in all. */
  get evictionCount(): number {
    return Object.values(this.#evictions).reduce((sum, n) => sum + n, 0);
  }

  /** Bounds, whether the index is ready, evictions and expirations. */
  stats(): RetentionStats {
    return {
      bounds: reportedBounds(this.context.bounds),
      indexReady: this.index.ready,
      evictions: { ...this.#evictions },
      expirations: this.context.reclaimer.expirations,
    };
  }

  /** Removes every indexed entry whose expiry has passed; returns how many. */
  reclaimIndexed(): number {
    let removed = 0;
    for (const { tenantId, entryId } of this.index.expired(this.context.expiry.nowSeconds())) {
      if (this.context.reclaimer.reclaimIfExpired(tenantId, entryId)) removed++;
      else this.index.deleted(tenantId, entryId); // replaced or gone: forget the stale record
    }
    return removed;
  }

  /** Brings every tenant within its own bound, then the root within its bound; returns evictions. */
  enforceAllBounds(): number {
    let evicted = 0;
    for (const tenantId of this.index.tenantIds()) evicted += this.#enforceTenantBounds(tenantId);
    return evicted + this.#enforceRootBounds();
  }

  /** Writes the in-memory last access of recently loaded entries back to their files' mtime (and atime). */
  persistAccessTimes(): number {
    let written = 0;
    for (const { tenantId, entryId, lastAccessMs } of this.index.takeTouched()) {
      try {
        const seconds = lastAccessMs / 1000;
        this.context.ops.utimesSync(entryFilePath(this.context.root, tenantId, entryId), seconds, seconds);
        written++;
      } catch {
        // deleted meanwhile
      }
    }
    return written;
  }

  /** Stops the timers and writes last access back. */
  close(): void {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    this.persistAccessTimes();
  }

  #evict(victim: Victim, reason: EvictionReason): boolean {
    try {
      // No directory fsync: a cache may lose a removal.
      removeEntryFile(this.context, victim.tenantId, victim.entryId, "evicted");
    } catch {
      this.index.deleted(victim.tenantId, victim.entryId); // gone, or not removable now: a later scan retries
      return false;
    }
    this.#evictions[reason]++;
    this.context.recorder?.retention?.("evicted", reason);
    return true;
  }

  /** While `tenantId` is over its own bound: evicts its least recently used entries (never `keep`). */
  #enforceTenantBounds(tenantId: bigint, keep?: Victim): number {
    const r = this.context.bounds;
    if (!r.bounded) return 0;
    let evicted = 0;
    for (;;) {
      const usage = this.index.tenantUsage(tenantId);
      const reason: EvictionReason | null =
        usage.entries > r.tenantMaxEntries ? "tenant_entries" : usage.bytes > r.tenantMaxBytes ? "tenant_bytes" : null;
      if (reason === null) break;
      const victim = this.index.leastRecentlyUsed(tenantId, keep);
      if (victim === undefined || !this.#evict(victim, reason)) break;
      evicted++;
    }
    return evicted;
  }

  /** While the root is over its bound: evicts from a tenant over its own bound first, else the root's LRU. */
  #enforceRootBounds(keep?: Victim): number {
    const r = this.context.bounds;
    if (!r.bounded) return 0;
    const index = this.index;
    let evicted = 0;
    for (;;) {
      const reason: EvictionReason | null =
        index.entryCount > r.maxEntries ? "root_entries" : index.totalBytes > r.maxBytes ? "root_bytes" : null;
      if (reason === null) break;
      const overTenant = index.tenantIds().find((id) => {
        const usage = index.tenantUsage(id);
        return usage.entries > r.tenantMaxEntries || usage.bytes > r.tenantMaxBytes;
      });
      const victim =
        (overTenant === undefined ? undefined : index.leastRecentlyUsed(overTenant, keep)) ??
        index.leastRecentlyUsed(undefined, keep);
      if (victim === undefined || !this.#evict(victim, reason)) break;
      evicted++;
    }
    return evicted;
  }
}
