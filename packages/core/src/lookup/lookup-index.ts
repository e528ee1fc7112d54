import type { EntryFields } from "@reflex/codec";
import { StoreError } from "../contract/store-error.ts";
import type { LedgerSubscriber, RemovedEntry, WrittenEntry } from "../ledger/ledger.ts";
import { DroppedEntries } from "./dropped-entries.ts";
import { f16Bits } from "./f16.ts";
import { checkpointsOf, squaredSums } from "./f16-math.ts";
import type { IndexedEntry } from "./indexed-entry.ts";
import { type IndexQuery, type IndexSearchResult, type ScanFilters, scanCandidates } from "./lookup-scan.ts";
import { Sketcher } from "./sketch.ts";
import { SET_BYTES, TenantLookup } from "./tenant-lookup.ts";
import type { ScoredEntry } from "./top-hits.ts";
import { VectorSet } from "./vector-set.ts";

/** Estimated bytes of one entry's record beside its vector: the object, two map slots, three bigints. */
export const ENTRY_RECORD_BYTES = 200;
/** Entries read per event-loop turn while the index is built. */
const BUILD_CHUNK = 256;

/** Options of the lookup index (resolved). */
export interface LookupIndexOptions {
  /** Most bytes the index may hold (estimate: vectors, sketches, records). */
  readonly maxBytes: number;
}

/** What the index needs of one entry a source holds. */
export interface LookupFields {
  readonly entry: EntryFields;
  /** Unix seconds; 0n: never expires. */
  readonly expiresAt: bigint;
}

/**
 * Where the index reads the entries a backend already holds: for its build, and to take
 * back entries it left out at its bound once there is room. Each call is synchronous.
 */
export interface LookupSource {
  /** Tenant ids with entries, in any order. */
  tenants(): bigint[];
  /** Entry ids of one tenant, in any order. */
  entryIds(tenantId: bigint): bigint[];
  /** One entry's fields, read as a load would accept them; undefined when gone or refused. */
  read(tenantId: bigint, entryId: bigint): LookupFields | undefined;
}

/** Figures of the lookup index. */
export interface LookupStats {
  /** True once the build from the entry files has finished. */
  readonly ready: boolean;
  /** Entries indexed (for findByContext), searchable or not. */
  readonly entries: number;
  /** Entries with a searchable vector. */
  readonly searchable: number;
  /** Estimated bytes held: per entry its record and vector row, per vector set (one per tenant, context hash and dimension) a fixed part. */
  readonly bytes: number;
  readonly maxBytes: number;
  /** Entries left out because the index was at its bound: lookups of their tenants fail with `index_full`. */
  readonly dropped: number;
}

/**
 * The index behind `search` and `findByContext`: per tenant, every entry's context
 * hash, timestamp and expiry, and per context hash and dimension a {@link VectorSet} of
 * the searchable embeddings (the layout is in `tenant-lookup.ts`): a search scoped to a
 * context scans that context's rows only, an unscoped one every context's set of the
 * query's dimension. A ledger subscriber: once its build has started, kept current by this
 * store's writes and removals (delete, eviction, expiry) in the same synchronous step as the
 * file change; built from the entry files in the background, a chunk of files per event-loop turn.
 * The build and the ledger cannot disagree: the build skips an entry the ledger has
 * already indexed, and an entry the ledger removed has no file left to read (each
 * file is read and indexed in one synchronous step, as each rename or unlink is
 * reported in one).
 */
export class LookupIndex implements LedgerSubscriber {
  readonly #tenants = new Map<bigint, TenantLookup>();
  readonly #sketchers = new Map<number, Sketcher>();
  #entries = 0;
  #searchable = 0;
  #bytes = 0;
  /** Entries left out at the bound (and not removed since). */
  readonly #dropped = new DroppedEntries();
  #ready = false;
  #build: Promise<void> | null = null;
  /** Vector sets with rows whose sketch waits for the background flush. */
  readonly #toFlush = new Set<VectorSet>();
  #flushScheduled = false;

  /**
   * `source`: the entries to build from (and to take back left-out entries from); null for
   * an index a backend fills through `written` / `vanished` / `tenantRemoved` alone (ready
   * at once). The build starts on the first `ready`.
   */
  constructor(
    readonly options: LookupIndexOptions,
    private readonly source: LookupSource | null = null,
  ) {}

  /** Resolves once the index covers every entry of its source (starts the build if it has not started). */
  get ready(): Promise<void> {
    this.#build ??= this.#buildFromSource();
    return this.#build;
  }

  /** Figures for stats and the docs' memory bound. */
  stats(): LookupStats {
    return {
      ready: this.#ready,
      entries: this.#entries,
      searchable: this.#searchable,
      bytes: this.#bytes,
      maxBytes: this.options.maxBytes,
      dropped: this.#dropped.count,
    };
  }

  /**
   * Throws `index_full` when entries of `tenantId` are left out for the memory bound (an
   * answer now could miss them), after taking back from the source those that now fit.
   */
  checkComplete(tenantId: bigint): void {
    const dropped = this.#dropped.of(tenantId);
    if (dropped === undefined) return;
    if (this.source !== null) this.#takeBack(tenantId, dropped, this.source);
    if (this.#dropped.of(tenantId) === undefined) return;
    throw new StoreError(
      "index_full",
      `the lookup index reached its bound of ${this.options.maxBytes} bytes (lookup.maxBytes) and left ${dropped.size} entries of this tenant out; delete entries or raise the bound`,
    );
  }

  /**
   * True once the index follows the ledger: at once without a source, else from the moment
   * its build starts. Before that a change needs no indexing: the build reads the files
   * (and the log's writes not yet in place) as they are then, so a store that writes and
   * never looks up (an import) pays nothing for the index.
   */
  get #following(): boolean {
    return this.source === null || this.#build !== null;
  }

  /** Ledger: indexes the entry just written, replacing what it replaced. */
  written(entry: WrittenEntry): void {
    if (!this.#following) return;
    this.#remove(entry.tenantId, entry.entryId);
    this.#insert(entry.tenantId, entry.entryId, entry.entry, entry.expiresAt, true);
  }

  /** Ledger: forgets a deleted, evicted or expired entry. */
  removed(entry: RemovedEntry): void {
    if (this.#following) this.#remove(entry.tenantId, entry.entryId);
  }

  /** Ledger: forgets an entry whose file is gone. */
  vanished(tenantId: bigint, entryId: bigint): void {
    if (this.#following) this.#remove(tenantId, entryId);
  }

  /** Ledger: a removed tenant directory held no entry file; forget whatever is left of it. */
  tenantRemoved(tenantId: bigint): void {
    if (!this.#following) return;
    const tenant = this.#tenants.get(tenantId);
    this.#dropped.forgetTenant(tenantId);
    if (tenant === undefined) return;
    for (const entryId of [...tenant.entries.keys()]) this.#remove(tenantId, entryId);
    this.#tenants.delete(tenantId);
  }

  /**
   * The best `k` entries of `tenantId` whose embedding has the query's dimension and a
   * cosine of at least `minSimilarity` to `unit` (the query at unit length), best first.
   * With `exact` false and a large set, a sketch prefilter picks the rows to score.
   */
  search(
    tenantId: bigint,
    unit: Float64Array,
    k: number,
    minSimilarity: number,
    exact: boolean,
    admit: (entry: IndexedEntry) => boolean,
  ): ScoredEntry[] {
    return this.searchWithNearest(tenantId, unit, { k, minSimilarity, exact }, { admit }).hits;
  }

  /**
   * {@link search} with a query object: `contextHash` scopes it to one context's rows, and
   * the result also says the best similarity of any live candidate (`filters.live`) scored.
   */
  searchWithNearest(tenantId: bigint, unit: Float64Array, query: IndexQuery, filters: ScanFilters): IndexSearchResult {
    const tenant = this.#tenants.get(tenantId);
    if (tenant === undefined) return { hits: [], nearest: null };
    const candidates = tenant.candidates(unit.length, query.contextHash ?? null);
    return scanCandidates(candidates, unit, query, filters, this.#sketcher(unit.length));
  }

  /** Entries of `tenantId` with `contextHash` that `admit` accepts, newest first (then by id). */
  byContext(tenantId: bigint, contextHash: bigint, admit: (entry: IndexedEntry) => boolean): IndexedEntry[] {
    const found = this.#tenants.get(tenantId)?.contexts.get(contextHash)?.entries;
    if (found === undefined) return [];
    return [...found]
      .filter(admit)
      .sort((a, b) =>
        a.timestamp !== b.timestamp ? (a.timestamp > b.timestamp ? -1 : 1) : a.entryId < b.entryId ? -1 : 1,
      );
  }

  #sketcher(dim: number): Sketcher {
    let sketcher = this.#sketchers.get(dim);
    if (sketcher === undefined) {
      sketcher = new Sketcher(dim);
      this.#sketchers.set(dim, sketcher);
    }
    return sketcher;
  }

  /** Sketches the rows written since the last flush, on a later turn of the event loop. */
  #scheduleFlush(set: VectorSet): void {
    this.#toFlush.add(set);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      for (const pending of this.#toFlush) pending.flushSketches();
      this.#toFlush.clear();
    }).unref();
  }

  /** Indexes an entry, or records it as left out when it does not fit (false). */
  #insert(tenantId: bigint, entryId: bigint, fields: EntryFields, expiresAt: bigint, deferSketch = false): boolean {
    const bits = f16Bits(fields.embedding);
    const sums = bits.length === 0 ? null : squaredSums(bits, checkpointsOf(bits.length));
    const total = sums === null ? 0 : sums.reduce((a, b) => a + b, 0);
    // Empty, all zeros, NaN or infinity: no cosine, so not searchable (findByContext still sees it).
    const dim = sums !== null && Number.isFinite(total) && total > 0 ? bits.length : 0;
    let tenant = this.#tenants.get(tenantId);
    const newSet = dim > 0 && (tenant === undefined || tenant.needsSet(fields.contextHash, dim));
    const cost = ENTRY_RECORD_BYTES + (dim > 0 ? VectorSet.rowBytes(dim) : 0) + (newSet ? SET_BYTES : 0);
    if (this.#bytes + cost > this.options.maxBytes) {
      this.#dropped.mark(tenantId, entryId);
      return false;
    }
    if (tenant === undefined) {
      tenant = new TenantLookup();
      this.#tenants.set(tenantId, tenant);
    }
    const entry: IndexedEntry = {
      entryId,
      contextHash: fields.contextHash,
      timestamp: fields.timestamp,
      expiresAt,
      dim,
      slot: -1,
    };
    const set = tenant.add(entry, bits, dim > 0 ? sums : null, (d) => this.#sketcher(d), deferSketch);
    if (set !== null) {
      if (deferSketch) this.#scheduleFlush(set);
      this.#searchable++;
    }
    this.#entries++;
    this.#bytes += cost;
    return true;
  }

  /** Reads left-out entries of a tenant back from the source while they fit; stops at the first that does not. */
  #takeBack(tenantId: bigint, dropped: ReadonlySet<bigint>, source: LookupSource): void {
    for (const entryId of [...dropped]) {
      this.#dropped.unmark(tenantId, entryId);
      const read = source.read(tenantId, entryId);
      if (read !== undefined && !this.#insert(tenantId, entryId, read.entry, read.expiresAt)) return;
    }
  }

  #remove(tenantId: bigint, entryId: bigint): void {
    this.#dropped.unmark(tenantId, entryId);
    const tenant = this.#tenants.get(tenantId);
    const entry = tenant?.entries.get(entryId);
    if (tenant === undefined || entry === undefined) return;
    const droppedSet = tenant.remove(entry);
    if (entry.dim > 0) this.#searchable--;
    this.#entries--;
    this.#bytes -=
      ENTRY_RECORD_BYTES + (entry.dim > 0 ? VectorSet.rowBytes(entry.dim) : 0) + (droppedSet ? SET_BYTES : 0);
    if (tenant.entries.size === 0) this.#tenants.delete(tenantId);
  }

  async #buildFromSource(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // not one read inside the caller's turn
    const source = this.source;
    for (const tenantId of source?.tenants() ?? []) {
      const ids = (source as LookupSource).entryIds(tenantId);
      for (let start = 0; start < ids.length; start += BUILD_CHUNK) {
        for (const entryId of ids.slice(start, start + BUILD_CHUNK)) {
          if (this.#tenants.get(tenantId)?.entries.has(entryId) || this.#dropped.has(tenantId, entryId)) continue;
          const read = (source as LookupSource).read(tenantId, entryId);
          if (read !== undefined) this.#insert(tenantId, entryId, read.entry, read.expiresAt);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    this.#ready = true;
  }
}
