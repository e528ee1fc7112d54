import type { SearchOptions, SearchResult } from "@reflex/core";
import { checkId, resolveSearchOptions } from "@reflex/core/backend";
import { type IndexSearchResult, LookupIndex, unitQuery } from "@reflex/core/lookup";
import type { ClusterContext } from "./context.ts";
import type { DirectGetCounts } from "./direct-gets.ts";
import { HitChecks } from "./hit-checks.ts";
import { id20 } from "./layout.ts";
import { readError } from "./redis-errors.ts";
import { TenantFeed } from "./tenant-feed.ts";

/** Searches one call makes at most while hits keep failing their re-check. */
const MAX_SEARCH_ROUNDS = 8;
/**
 * Re-checks a search starts during its scans, one GET each: twice the hits asked for, plus two
 * for rows a better one displaces, and no more than 8 (each send costs the scan 25-60 µs here;
 * the hits left are read after the scan, one MGET per bucket).
 */
function earlyChecks(k: number): number {
  return Math.min(2 * k + 2, 8);
}

/** Figures of a store's lookup, for tests and benchmarks. */
export interface ClusterLookupStats {
  /** Tenants with a feed (searched at least once). */
  readonly tenants: number;
  /** Builds of all tenants (first uses, then rebuilds after a gap or a reset in a log). */
  readonly builds: number;
  /** Hits and context matches refused by the re-check since the store opened. */
  readonly refused: number;
  readonly entries: number;
  readonly bytes: number;
  /** How the re-checks' single GETs went: straight to the slot's master, or through ioredis. */
  readonly directGets: DirectGetCounts;
}

/**
 * `search` and `findByContext` on the cluster: the core's {@link LookupIndex} (one for the
 * store, fed by a {@link TenantFeed} per tenant on first use), read by the same code the
 * file backend uses, and every hit re-checked against the cluster before it is answered:
 * its value must still be there, unexpired, and be the very value indexed (same generation),
 * so an answer never names an entry a load would refuse, however far behind the log is.
 * Changes made through this store are caught up before its next lookup of that tenant
 * (read-your-writes); those of other servers at the next poll of the logs.
 */
export class ClusterLookup {
  readonly index: LookupIndex;
  readonly #feeds = new Map<bigint, TenantFeed>();
  readonly #timer: Timer | undefined;
  #refused = 0;
  /** Builds of feeds dropped since (kept so {@link stats} counts every build). */
  #droppedBuilds = 0;

  constructor(private readonly context: ClusterContext) {
    this.index = new LookupIndex({ maxBytes: context.options.lookupMaxBytes });
    const interval = context.options.changeLogPollMs;
    if (interval > 0) {
      this.#timer = setInterval(() => this.#tick(), interval);
      this.#timer.unref();
    }
  }

  /** See {@link ClusterLookupStats}. */
  stats(): ClusterLookupStats {
    const { entries, bytes } = this.index.stats();
    let builds = this.#droppedBuilds;
    for (const feed of this.#feeds.values()) builds += feed.builds;
    const directGets = { ...this.context.clients.directGets.counts };
    return { tenants: this.#feeds.size, builds, refused: this.#refused, entries, bytes, directGets };
  }

  /**
   * The best `k` live entries of a tenant by cosine to `embedding`, within one context hash
   * with `contextHash`, and the best similarity seen (see `EntryStore.searchWithNearest`).
   * Hits are re-checked; `nearest` is read off the index (never from an entry this call's
   * re-checks refused, but it may count one another server removed since the last poll).
   */
  async search(tenantId: bigint, embedding: Uint8Array, options?: SearchOptions): Promise<SearchResult> {
    checkId(tenantId, "tenant id");
    const query = resolveSearchOptions(options);
    const unit = unitQuery(embedding);
    const feed = await this.#current(tenantId);
    if (feed === null) return { hits: [], nearest: null };
    const checks = new HitChecks(this.context, feed, earlyChecks(query.k));
    let found: IndexSearchResult = { hits: [], nearest: null };
    try {
      for (let round = 0; round < MAX_SEARCH_ROUNDS; round++) {
        while (feed.building) await feed.settled();
        found = this.index.searchWithNearest(tenantId, unit, query, { admit: checks.admitter(), live: checks.live() });
        if (await checks.settle(found.hits.map((hit) => hit.entry))) break;
      }
    } finally {
      this.#refused += checks.refused;
    }
    const hits = found.hits
      .filter((hit) => checks.passed(hit.entry))
      .map(({ entry, similarity }) => ({
        entryId: entry.entryId,
        similarity,
        timestamp: entry.timestamp,
        contextHash: entry.contextHash,
      }));
    // Rounds ran out with a refused hit: the nearest came from it; the best hit that passed is the honest figure.
    const nearest = hits.length < found.hits.length ? (hits[0]?.similarity ?? null) : found.nearest;
    return { hits, nearest };
  }

  /** Ids of a tenant's live entries with `contextHash`, newest first (see `EntryStore.findByContext`). */
  async findByContext(tenantId: bigint, contextHash: bigint): Promise<bigint[]> {
    checkId(tenantId, "tenant id");
    checkId(contextHash, "context hash");
    const feed = await this.#current(tenantId);
    if (feed === null) return [];
    const checks = new HitChecks(this.context, feed, 0);
    while (feed.building) await feed.settled();
    const found = this.index.byContext(tenantId, contextHash, checks.admitter());
    try {
      await checks.settle(found);
    } finally {
      this.#refused += checks.refused;
    }
    return found.filter((entry) => checks.passed(entry)).map((entry) => entry.entryId);
  }

  /** Stops tailing and forgets every tenant. */
  close(): void {
    clearInterval(this.#timer);
    for (const feed of this.#feeds.values()) feed.close();
    this.#feeds.clear();
  }

  /** Reads the logs of every tailed tenant; drops the feeds no lookup used for `lookupIdleMs`. */
  #tick(): void {
    const idleMs = this.context.options.lookupIdleMs;
    const now = performance.now();
    for (const [tenantId, feed] of this.#feeds) {
      if (idleMs > 0 && now - feed.lastUsed > idleMs) {
        this.#droppedBuilds += feed.builds;
        feed.close();
        this.#feeds.delete(tenantId);
      } else feed.catchUp().catch(() => {}); // a failed round is repeated at the next tick
    }
  }

  /**
   * The tenant's feed, built, with this store's own changes of it applied, and the index
   * whole; null for a tenant the cluster's tenant set does not hold (no feed is made for it,
   * so lookups of unknown tenants cost a round trip each, not a feed tailed forever).
   */
  async #current(tenantId: bigint): Promise<TenantFeed | null> {
    let feed = this.#feeds.get(tenantId);
    if (feed !== undefined) feed.lastUsed = performance.now(); // before any await: an idle drop must not close it under this lookup
    if (feed === undefined) {
      let known: string | null;
      try {
        known = await this.context.clients.reader.zscore(this.context.keys.tenants, id20(tenantId));
      } catch (error) {
        throw readError(`looking up tenant ${tenantId}`, error);
      }
      if (known === null) return null;
      feed = this.#feeds.get(tenantId) ?? new TenantFeed(this.context, this.index, tenantId);
      this.#feeds.set(tenantId, feed);
      this.context.changed.delete(tenantId);
      await feed.catchUp();
    } else if (this.context.changed.delete(tenantId) || !feed.built) {
      await feed.catchUp();
    }
    feed.lastUsed = performance.now();
    this.index.checkComplete(tenantId);
    return feed;
  }
}
