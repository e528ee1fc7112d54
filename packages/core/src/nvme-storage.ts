import type { EntryFields } from "@reflex/codec";
import { cleanupEmptyTenantDirs } from "./cleanup.ts";
import { deleteEntry, deleteEntrySync } from "./delete-entry.ts";
import type { EntryHandle, StoredEntryHandle } from "./entry-handle.ts";
import type {
  EntryStore,
  GcReport,
  ListPage,
  LoadManyResult,
  RetentionStats,
  StorageStats,
  StorageUsage,
  StoreOptions,
  VerifyOptions,
  VerifyReport,
} from "./entry-store.ts";
import { entryExists } from "./exists-entry.ts";
import { collectGarbage, type GcOptions } from "./gc.ts";
import { checkId } from "./ids.ts";
import { listEntries, listTenants } from "./listing.ts";
import { scanStats } from "./live-stats.ts";
import { loadEntry } from "./load-entry.ts";
import { loadMany } from "./load-many.ts";
import { unindexedRetentionStats } from "./retention.ts";
import { openStoreContext, type StoreContext } from "./store-context.ts";
import { storeEntry, storeEntrySync } from "./store-entry.ts";
import type { NvmeStorageOptions } from "./store-options.ts";
import { type SweepResult, sweepTempFiles } from "./temp-sweep.ts";
import { timed } from "./timed.ts";
import { verifyStore } from "./verify-store.ts";

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
  /** What the sweep at open did (zeros when it was off or the root did not exist). */
  readonly sweep: SweepResult;

  constructor(root: string, options: NvmeStorageOptions = {}) {
    this.#context = openStoreContext(root, options);
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

  /** Entries and bytes in the file cache. */
  get cacheUsage(): { entries: number; bytes: number } {
    return { entries: this.#context.cache.size, bytes: this.#context.cache.bytes };
  }

  ensureStoragePath(): void {
    this.#context.dirs.ensureRoot();
  }

  /**
   * Writes an entry and resolves once it is in place (and durable, by default).
   * The fsyncs run off the event loop, so many stores in flight overlap them.
   */
  store(id: bigint, entry: EntryFields, options?: StoreOptions): Promise<StoredEntryHandle> {
    const context = this.#context;
    return timed(context.recorder, "store", () => storeEntry(context, id, entry, options), fileBytes);
  }

  /** {@link store} on this thread: blocks for the fsyncs. */
  storeSync(id: bigint, entry: EntryFields, options?: StoreOptions): StoredEntryHandle {
    const context = this.#context;
    return timed(context.recorder, "store", () => storeEntrySync(context, id, entry, options), fileBytes);
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
    return timed(context.recorder, "load", () => loadEntry(context, id, tenantId), fileBytes);
  }

  async loadMany(tenantId: bigint, ids: readonly bigint[]): Promise<LoadManyResult> {
    return this.loadManySync(tenantId, ids);
  }

  /** {@link loadMany} on this thread. */
  loadManySync(tenantId: bigint, ids: readonly bigint[]): LoadManyResult {
    const context = this.#context;
    return timed(context.recorder, "load_many", () => loadMany(context, tenantId, ids), manyBytes);
  }

  delete(id: bigint, tenantId: bigint): Promise<void> {
    const context = this.#context;
    return timed(context.recorder, "delete", () => deleteEntry(context, id, tenantId));
  }

  /** {@link delete} on this thread. */
  deleteSync(id: bigint, tenantId: bigint): void {
    const context = this.#context;
    timed(context.recorder, "delete", () => deleteEntrySync(context, id, tenantId));
  }

  async exists(id: bigint, tenantId: bigint): Promise<boolean> {
    return this.existsSync(id, tenantId);
  }

  /** {@link exists} on this thread. */
  existsSync(id: bigint, tenantId: bigint): boolean {
    const context = this.#context;
    return timed(context.recorder, "exists", () => entryExists(context, id, tenantId));
  }

  async listEntries(tenantId: bigint, page?: ListPage): Promise<bigint[]> {
    return this.listEntriesSync(tenantId, page);
  }

  /** {@link listEntries} on this thread: one directory read of the tenant and a sort of its ids. */
  listEntriesSync(tenantId: bigint, page?: ListPage): bigint[] {
    const context = this.#context;
    return timed(context.recorder, "list_entries", () => listEntries(context, tenantId, page));
  }

  async listTenants(): Promise<bigint[]> {
    return this.listTenantsSync();
  }

  /** {@link listTenants} on this thread. */
  listTenantsSync(): bigint[] {
    const context = this.#context;
    return timed(context.recorder, "list_tenants", () => listTenants(context.root));
  }

  async cleanupEmptyTenantDirs(): Promise<number> {
    return this.cleanupEmptyTenantDirsSync();
  }

  /** {@link cleanupEmptyTenantDirs} on this thread. Only empty tenant directories go; rmdir itself refuses the rest. */
  cleanupEmptyTenantDirsSync(): number {
    const context = this.#context;
    return timed(context.recorder, "cleanup", () => cleanupEmptyTenantDirs(context));
  }

  async stats(): Promise<StorageStats> {
    return this.statsSync();
  }

  /** {@link stats} on this thread: a scan that stats every entry file. */
  statsSync(): StorageStats {
    const context = this.#context;
    return timed(context.recorder, "stats", () => scanStats(context.root));
  }

  verify(options?: VerifyOptions): Promise<VerifyReport> {
    const context = this.#context;
    return timed(context.recorder, "verify", async () => {
      if (options?.tenantId !== undefined) checkId(options.tenantId, "tenant id");
      return verifyStore(context.root, context.read, options);
    });
  }

  /**
   * Live figures, in total and per tenant, kept by this store as it writes and
   * deletes: O(1) for the totals after a scan on first use. Writes by other
   * processes to the same root are not seen until {@link rescanStats}.
   */
  liveStats(): StorageUsage {
    return this.#context.live.snapshot();
  }

  /** Live totals only: O(1) after the first scan. */
  liveTotals(): StorageStats {
    return this.#context.live.totals();
  }

  /** Replaces the live figures with a fresh scan (after other processes wrote the root). */
  rescanStats(): StorageUsage {
    this.#context.live.rescan();
    return this.#context.live.snapshot();
  }

  /** Removes stale temp files now (the store also does it when it opens). */
  sweepTempFiles(): SweepResult {
    const { root, ops, options } = this.#context;
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
    return collectGarbage(this.#context, options);
  }

  /** Drops cached files, stops the retention timers and writes last-access times back. The store stays usable. */
  close(): void {
    this.#context.retention?.close();
    this.#context.cache.clear();
  }
}

function fileBytes(handle: { readonly fileBytes: number }): number {
  return handle.fileBytes;
}

function manyBytes(result: LoadManyResult): number {
  let bytes = 0;
  for (const handle of result.entries) bytes += handle.fileBytes;
  return bytes;
}
