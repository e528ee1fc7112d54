import type { EntryFields } from "@reflex/codec";
import type {
  EntryStore,
  GcReport,
  ListPage,
  LoadManyResult,
  RetentionStats,
  SearchHit,
  SearchOptions,
  SearchResult,
  StorageStats,
  StorageUsage,
  StoreOptions,
  TenantDeletionOptions,
  VerifyOptions,
  VerifyReport,
  WalkProgress,
} from "../contract/entry-store.ts";
import { checkId } from "../contract/ids.ts";
import { type SweepResult, sweepTempFiles } from "../disk/temp-sweep.ts";
import type { EntryHandle, StoredEntryHandle } from "../handle/entry-handle.ts";
import { scanStats } from "../ledger/live-stats.ts";
import { unindexedRetentionStats } from "../ledger/retention.ts";
import type { LookupStats } from "../lookup/lookup-index.ts";
import { cleanupEmptyTenantDirs } from "../ops/cleanup.ts";
import { deleteEntry, deleteEntrySync } from "../ops/delete.ts";
import { deleteTenant, finishTenantDeletions } from "../ops/delete-tenant.ts";
import { entryExists } from "../ops/exists.ts";
import { findByContext } from "../ops/find-by-context.ts";
import { collectGarbage, type GcOptions } from "../ops/gc.ts";
import { listEntries, listTenants } from "../ops/list.ts";
import { loadEntry } from "../ops/load.ts";
import { loadMany } from "../ops/load-many.ts";
import { recoverLog } from "../ops/recover.ts";
import { searchEntries } from "../ops/search.ts";
import { storeEntry, storeEntrySync } from "../ops/store.ts";
import { touchEntry } from "../ops/touch.ts";
import { verifyStore } from "../ops/verify.ts";
import type { ReplayResult } from "../wal/replay.ts";
import { openStoreContext, type StoreContext } from "./store-context.ts";
import type { NvmeStorageOptions } from "./store-options.ts";
import { batchBytes, handleBytes, timed } from "./timed.ts";

/**
 * The Reflex store on a local file system: one verified, atomically written file
 * per entry under `<root>/<tenant>/<id>.rfx`. A thin facade: each method times one
 * operation of its own module over the store's shared parts (see ARCHITECTURE.md).
 *
 * @example
 * const store = new NvmeStorage("./reflex-data");
 * store.ensureStoragePath();
 * await store.store(42n, { tenantId: 1n, contextHash: 7n, timestamp: 1700000000n,
 *   embedding: new Uint8Array(1536), payloadBlob: new TextEncoder().encode("hi") });
 * const handle = store.loadSync(42n, 1n);
 * console.log(new TextDecoder().decode(handle.payloadBlob)); // "hi"
 * handle.release();
 */
export class NvmeStorage implements EntryStore {
  readonly #context: StoreContext;
  /** Tenant deletions cut short by a crash that this store finished when it opened. */
  readonly finishedTenantDeletions: number;
  /** What the sweep at open did (zeros when it was off or the root did not exist). */
  readonly sweep: SweepResult;
  /** What the last replay of a write-ahead log did (zeros when there was none: no log, or another store of this process held the lock). */
  recovered: ReplayResult = { segments: 0, records: 0, repaired: 0 };

  constructor(root: string, options: NvmeStorageOptions = {}) {
    this.#context = openStoreContext(root, options);
    // Whenever this process takes the root's lock afresh, the last writer's log is replayed
    // before anything answers: writes it logged may not be in place (or durable) yet.
    const context = this.#context;
    context.lock.onAcquire = () => {
      this.recovered = recoverLog(context);
    };
    // A writer locks an existing root at once, so a second writing process fails here, not at its first write.
    if (this.#context.lock.mode === "exclusive") this.#context.lock.ensureWritable();
    // A tenant deletion a crash cut short: its directory is out of sight already; finish it.
    this.finishedTenantDeletions = this.#context.lock.held
      ? finishTenantDeletions(this.#context.root, this.#context.ops)
      : 0;
    this.sweep = this.#context.options.sweepTempFiles ? this.sweepTempFiles() : { removed: 0, kept: 0 };
  }

  /** The absolute root directory. */
  get storagePath(): string {
    return this.#context.root;
  }

  /** Live mappings held by this store's handles and cache. */
  get liveMappings(): number {
    return this.#context.read.budget.live;
  }

  /** Entries and bytes in the handle cache. */
  get cacheUsage(): { entries: number; bytes: number } {
    return { entries: this.#context.cache.size, bytes: this.#context.cache.bytes };
  }

  /** Creates the root (and parents) and takes the writer lock; `storage_unavailable` when it cannot, `locked` when another process writes it. */
  ensureStoragePath(): void {
    this.#context.dirs.ensureRoot();
  }

  /**
   * Writes an entry and resolves once it is in place (and durable, by default).
   * The fsyncs run off the event loop, so many stores in flight overlap them.
   */
  store(id: bigint, entry: EntryFields, options?: StoreOptions): Promise<StoredEntryHandle> {
    return timed(this.#context.recorder, "store", () => storeEntry(this.#context, id, entry, options), handleBytes);
  }

  /** {@link store} on this thread: blocks for the fsyncs. */
  storeSync(id: bigint, entry: EntryFields, options?: StoreOptions): StoredEntryHandle {
    return timed(this.#context.recorder, "store", () => storeEntrySync(this.#context, id, entry, options), handleBytes);
  }

  async load(id: bigint, tenantId: bigint): Promise<EntryHandle> {
    return this.loadSync(id, tenantId);
  }

  /**
   * Loads and verifies an entry on this thread (a page-cached 4 KiB entry takes a
   * few microseconds; a repeated load of a cached entry well under one).
   */
  loadSync(id: bigint, tenantId: bigint): EntryHandle {
    const context = this.#context;
    // Fast path: with no recorder there is nothing to time.
    if (context.recorder === null) return loadEntry(context, id, tenantId);
    return timed(context.recorder, "load", () => loadEntry(context, id, tenantId), handleBytes);
  }

  async loadMany(tenantId: bigint, ids: readonly bigint[]): Promise<LoadManyResult> {
    return this.loadManySync(tenantId, ids);
  }

  /** {@link loadMany} on this thread. */
  loadManySync(tenantId: bigint, ids: readonly bigint[]): LoadManyResult {
    return timed(this.#context.recorder, "load_many", () => loadMany(this.#context, tenantId, ids), batchBytes);
  }

  delete(id: bigint, tenantId: bigint): Promise<void> {
    return timed(this.#context.recorder, "delete", () => deleteEntry(this.#context, id, tenantId));
  }

  /** {@link delete} on this thread. */
  deleteSync(id: bigint, tenantId: bigint): void {
    const context = this.#context;
    timed(context.recorder, "delete", () => deleteEntrySync(context, id, tenantId));
  }

  /** See delete-tenant.ts: one rename hides the whole tenant, then its files go. */
  deleteTenant(tenantId: bigint, options?: TenantDeletionOptions): Promise<number> {
    return timed(this.#context.recorder, "delete_tenant", () => deleteTenant(this.#context, tenantId, options));
  }

  /** See touch-entry.ts: a new file with the same fields and the new expiry, renamed over the old one. */
  async touch(id: bigint, tenantId: bigint, ttlSeconds: number): Promise<bigint> {
    return this.touchSync(id, tenantId, ttlSeconds);
  }

  /** {@link touch} on this thread (it always is: see touch-entry.ts). */
  touchSync(id: bigint, tenantId: bigint, ttlSeconds: number): bigint {
    return timed(this.#context.recorder, "touch", () => touchEntry(this.#context, id, tenantId, ttlSeconds));
  }

  async exists(id: bigint, tenantId: bigint): Promise<boolean> {
    return this.existsSync(id, tenantId);
  }

  /** {@link exists} on this thread. */
  existsSync(id: bigint, tenantId: bigint): boolean {
    return timed(this.#context.recorder, "exists", () => entryExists(this.#context, id, tenantId));
  }

  async listEntries(tenantId: bigint, page?: ListPage): Promise<bigint[]> {
    return this.listEntriesSync(tenantId, page);
  }

  /** {@link listEntries} on this thread: one directory read of the tenant and a sort of its ids. */
  listEntriesSync(tenantId: bigint, page?: ListPage): bigint[] {
    return timed(this.#context.recorder, "list_entries", () => listEntries(this.#context, tenantId, page));
  }

  async listTenants(): Promise<bigint[]> {
    return this.listTenantsSync();
  }

  /** {@link listTenants} on this thread. */
  listTenantsSync(): bigint[] {
    return timed(this.#context.recorder, "list_tenants", () => listTenants(this.#context.root));
  }

  async cleanupEmptyTenantDirs(): Promise<number> {
    return this.cleanupEmptyTenantDirsSync();
  }

  /** {@link cleanupEmptyTenantDirs} on this thread. Only empty tenant directories go; rmdir itself refuses the rest. */
  cleanupEmptyTenantDirsSync(): number {
    return timed(this.#context.recorder, "cleanup", () => cleanupEmptyTenantDirs(this.#context));
  }

  /**
   * The tenant's entries nearest to `embedding` by cosine (see README "Lookup"), within one
   * context hash with `contextHash`. Exact below 2,048 candidate vectors; above, a sketch
   * picks the candidates, each scored exactly. Waits for the index while it is being built.
   */
  async search(tenantId: bigint, embedding: Uint8Array, options?: SearchOptions): Promise<SearchHit[]> {
    return (await this.searchWithNearest(tenantId, embedding, options)).hits;
  }

  /** {@link search}, and the best similarity it saw, hit or not (`EntryStore.searchWithNearest`). */
  searchWithNearest(tenantId: bigint, embedding: Uint8Array, options?: SearchOptions): Promise<SearchResult> {
    return timed(this.#context.recorder, "search", () => searchEntries(this.#context, tenantId, embedding, options));
  }

  /** Ids of the tenant's entries with this context hash, newest first; waits for the index like {@link search}. */
  findByContext(tenantId: bigint, contextHash: bigint): Promise<bigint[]> {
    return timed(this.#context.recorder, "find_by_context", () => findByContext(this.#context, tenantId, contextHash));
  }

  /** Resolves once the lookup index has read every entry file (starts a `"first-use"` build). */
  lookupReady(): Promise<void> {
    return this.#context.lookup?.ready ?? Promise.resolve();
  }

  /** Figures of the lookup index (null when the store has none). */
  lookupStats(): LookupStats | null {
    return this.#context.lookup?.stats() ?? null;
  }

  async stats(): Promise<StorageStats> {
    return this.statsSync();
  }

  /** {@link stats} on this thread: a scan that stats every entry file. */
  statsSync(): StorageStats {
    return timed(this.#context.recorder, "stats", () => scanStats(this.#context.root, this.#context.pending));
  }

  verify(options?: VerifyOptions): Promise<VerifyReport> {
    const context = this.#context;
    return timed(context.recorder, "verify", async () => {
      if (options?.tenantId !== undefined) checkId(options.tenantId, "tenant id");
      await context.wal?.settled(); // it reads the files: the log's writes first in place
      return verifyStore(context.root, context.read, options);
    });
  }

  /**
   * Live figures, in total and per tenant, kept by this store as it writes and
   * deletes: O(1) for the totals after a scan on first use. Writes by other
   * processes to the same root are not seen until {@link rescanStats}.
   */
  liveStats(): StorageUsage {
    if (this.readOnly) return this.rescanStats(); // a read-only store hears of no writes
    return this.#context.live.snapshot();
  }

  /** Live totals only: O(1) after the first scan. */
  liveTotals(): StorageStats {
    return this.#context.live.totals();
  }

  /**
   * Replaces the live figures with a fresh scan (after other processes wrote the root);
   * `onProgress` hears how many entry files were counted of how many.
   */
  rescanStats(options: { readonly onProgress?: (progress: WalkProgress) => void } = {}): StorageUsage {
    this.#context.live.rescan(options.onProgress);
    return this.#context.live.snapshot();
  }

  /** Removes stale temp files now (the store also does it when it opens). */
  sweepTempFiles(): SweepResult {
    const { root, ops, options, lock } = this.#context;
    lock.ensureWritable();
    return sweepTempFiles(root, ops, options.staleTempAfterMs);
  }

  /** Bounds, eviction and expiry counts. */
  retentionStats(): RetentionStats {
    const { retention, options, reclaimer } = this.#context;
    return retention?.stats() ?? unindexedRetentionStats(options.retention, reclaimer.expirations);
  }

  /** Resolves once the retention index has scanned the whole root (at once when there is none). */
  retentionReady(): Promise<void> {
    return this.#context.retention?.ready ?? Promise.resolve();
  }

  /**
   * A reclaim pass by hand (what `reflex gc` runs): removes every expired entry of
   * the root (reading each entry file's header), waits for the retention index,
   * evicts until the store is within its bounds, and writes last-access times back.
   */
  gc(options: GcOptions = {}): Promise<GcReport> {
    const context = this.#context;
    return timed(context.recorder, "gc", async () => {
      await context.wal?.settled(); // it walks the files: the log's writes first in place
      return collectGarbage(context, options);
    });
  }

  /**
   * Drops cached files, stops the retention timers, writes last-access times back,
   * checkpoints the write-ahead log (its files made durable, the log removed) and
   * releases the root's writer lock. The store stays usable: a later write takes the lock again.
   */
  close(): void {
    this.#context.retention?.close();
    // The process's last share checkpoints the log before it unlocks: the next holder finds none.
    if (this.#context.lock.lastShare) this.#context.wal?.close();
    this.#context.cache.clear();
    this.#context.lock.release();
  }

  /** True when opened with `readOnly`: no lock, every write refused with `read_only`. */
  get readOnly(): boolean {
    return this.#context.lock.mode === "read-only";
  }
}
