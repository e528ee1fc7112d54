import { type Dirent, mkdirSync, readdirSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { assertU64, decodeEnvelope, type EntryFields, encodeEnvelope } from "@reflex/codec";
import { DirectorySyncer } from "./directory-sync.ts";
import { EntryHandle, StoredEntryHandle } from "./entry-handle.ts";
import type {
  Durability,
  EntryStore,
  ListPage,
  StorageStats,
  StoreOptions,
  VerifyOptions,
  VerifyReport,
} from "./entry-store.ts";
import { type FileOps, nodeFileOps } from "./file-ops.ts";
import { HandleCache, type HandleCacheLimits } from "./handle-cache.ts";
import { compareDecimal, entryFilePath, entryIdText, isCanonicalDecimal, tenantDirPath } from "./layout.ts";
import { LiveStats, type StorageUsage } from "./live-stats.ts";
import { LoadedFile, MappingBudget } from "./loaded-file.ts";
import type { OperationRecorder, StoreOperation } from "./operation-recorder.ts";
import { type ReadOptions, readEntryFile } from "./read-entry.ts";
import { errnoOf, ioError, isStoreError, rethrowCodecError, StoreError } from "./store-error.ts";
import { type SweepResult, sweepTempFiles } from "./temp-sweep.ts";
import { verifyStore } from "./verify-store.ts";
import { type WriteContext, writeEntryFile, writeEntryFileSync } from "./write-entry.ts";

/** Options of {@link NvmeStorage}. Every one has a default that suits a server. */
export interface NvmeStorageOptions {
  /** Default durability of writes. Default `"fsync"`. */
  readonly durability?: Durability;
  /** Hot-handle cache bounds. Default 4096 entries, 256 MiB. `{ maxEntries: 0 }` turns it off. */
  readonly handleCache?: Partial<HandleCacheLimits>;
  /** Most live mappings this store creates; past it, large files are read into the heap. Default 16384. */
  readonly maxMappings?: number;
  /** Files of at least this size are mapped rather than read (files under 64 KiB are always read). Default 256 KiB. */
  readonly mmapThresholdBytes?: number;
  /** Sweep stale temp files when the store opens. Default true. */
  readonly sweepTempFiles?: boolean;
  /** A temp file older than this is stale even if its writer's pid is alive. Default 10 minutes. */
  readonly staleTempAfterMs?: number;
  /** File-system calls of the write path; tests inject faults here. Default node:fs. */
  readonly fileOps?: FileOps;
  /** Receives every operation's duration, outcome and bytes (e.g. `@reflex/stats` OperationMetrics). Default none. */
  readonly recorder?: OperationRecorder;
}

/** Defaults of {@link NvmeStorageOptions}. */
export const DEFAULT_STORAGE_OPTIONS = {
  durability: "fsync" as Durability,
  handleCache: { maxEntries: 4096, maxBytes: 256 * 1024 * 1024 },
  maxMappings: 16_384,
  mmapThresholdBytes: 256 * 1024,
  staleTempAfterMs: 10 * 60 * 1000,
} as const;

function checkId(value: unknown, what: string): bigint {
  try {
    return assertU64(value, what);
  } catch (error) {
    rethrowCodecError(error);
  }
}

function readDirents(path: string): Dirent[] | null {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === "ENOENT" || errno === "ENOTDIR") return null;
    throw ioError("readdir", path, error);
  }
}

/**
 * The Reflex store on a local file system: one verified, atomically written file
 * per entry under `<root>/<tenant>/<id>.rfx`.
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
  readonly #root: string;
  readonly #durability: Durability;
  readonly #ops: FileOps;
  readonly #cache: HandleCache;
  readonly #read: ReadOptions;
  readonly #write: WriteContext;
  readonly #knownTenantDirs = new Set<bigint>();
  readonly #staleTempAfterMs: number;
  readonly #recorder: OperationRecorder | null;
  readonly #live: LiveStats;
  /** What the sweep at open did (zeros when it was off or the root did not exist). */
  readonly sweep: SweepResult;

  constructor(root: string, options: NvmeStorageOptions = {}) {
    this.#root = resolve(root);
    this.#durability = options.durability ?? DEFAULT_STORAGE_OPTIONS.durability;
    this.#ops = options.fileOps ?? nodeFileOps;
    this.#cache = new HandleCache({ ...DEFAULT_STORAGE_OPTIONS.handleCache, ...options.handleCache });
    this.#read = {
      budget: new MappingBudget(options.maxMappings ?? DEFAULT_STORAGE_OPTIONS.maxMappings),
      mmapThresholdBytes: options.mmapThresholdBytes ?? DEFAULT_STORAGE_OPTIONS.mmapThresholdBytes,
    };
    const syncer = new DirectorySyncer(this.#ops);
    this.#write = {
      ops: this.#ops,
      syncer,
      createTenantDir: (tenantId, durable) => this.#createTenantDir(tenantId, durable),
      renamed: (write, replacedBytes) => {
        this.#cache.invalidate(HandleCache.key(write.tenantId, write.entryId));
        this.#live.written(write.tenantId, replacedBytes, write.bytes.byteLength);
      },
    };
    this.#recorder = options.recorder ?? null;
    this.#live = new LiveStats(this.#root);
    this.#staleTempAfterMs = options.staleTempAfterMs ?? DEFAULT_STORAGE_OPTIONS.staleTempAfterMs;
    this.sweep = options.sweepTempFiles === false ? { removed: 0, kept: 0 } : this.sweepTempFiles();
  }

  #timed<T>(operation: StoreOperation, action: () => T, bytesOf?: (result: T) => number): T {
    const recorder = this.#recorder;
    if (recorder === null) return action();
    const start = performance.now();
    try {
      const result = action();
      recorder.record(operation, (performance.now() - start) * 1e6, null, bytesOf === undefined ? 0 : bytesOf(result));
      return result;
    } catch (error) {
      recorder.record(operation, (performance.now() - start) * 1e6, isStoreError(error) ? error.code : "unknown", 0);
      throw error;
    }
  }

  async #timedAsync<T>(
    operation: StoreOperation,
    action: () => Promise<T>,
    bytesOf?: (result: T) => number,
  ): Promise<T> {
    const recorder = this.#recorder;
    if (recorder === null) return action();
    const start = performance.now();
    try {
      const result = await action();
      recorder.record(operation, (performance.now() - start) * 1e6, null, bytesOf === undefined ? 0 : bytesOf(result));
      return result;
    } catch (error) {
      recorder.record(operation, (performance.now() - start) * 1e6, isStoreError(error) ? error.code : "unknown", 0);
      throw error;
    }
  }

  /** The absolute root directory. */
  get storagePath(): string {
    return this.#root;
  }

  /** Live mappings held by this store's handles and cache. */
  get liveMappings(): number {
    return this.#read.budget.live;
  }

  /** Entries and bytes in the hot-handle cache. */
  get cacheUsage(): { entries: number; bytes: number } {
    return { entries: this.#cache.size, bytes: this.#cache.bytes };
  }

  ensureStoragePath(): void {
    try {
      mkdirSync(this.#root, { recursive: true });
    } catch (error) {
      throw new StoreError(
        "storage_unavailable",
        `cannot create storage root ${this.#root}: ${errnoOf(error) ?? error}`,
        {
          cause: error,
          errno: errnoOf(error),
        },
      );
    }
    if (!statSync(this.#root).isDirectory()) {
      throw new StoreError("storage_unavailable", `storage root ${this.#root} is not a directory`);
    }
  }

  #createTenantDir(tenantId: bigint, durable: boolean): void {
    this.#knownTenantDirs.delete(tenantId);
    const directory = tenantDirPath(this.#root, tenantId);
    this.ensureStoragePath();
    try {
      this.#ops.mkdirSync(directory);
    } catch (error) {
      if (errnoOf(error) !== "EEXIST" || !statSync(directory, { throwIfNoEntry: false })?.isDirectory()) {
        throw new StoreError(
          "tenant_dir_creation_failed",
          `cannot create tenant directory ${directory}: ${errnoOf(error) ?? error}`,
          { cause: error, errno: errnoOf(error) },
        );
      }
    }
    if (durable) {
      try {
        this.#write.syncer.syncNow(this.#root);
      } catch (error) {
        throw ioError("fsync", this.#root, error);
      }
    }
    this.#knownTenantDirs.add(tenantId);
    this.#live.tenantCreated(tenantId);
  }

  #prepareWrite(id: bigint, entry: EntryFields, options: StoreOptions | undefined) {
    checkId(id, "entry id");
    const tenantId = checkId(entry?.tenantId, "tenant_id");
    let bytes: Uint8Array;
    try {
      bytes = encodeEnvelope(id, entry);
    } catch (error) {
      rethrowCodecError(error);
    }
    const durable = (options?.durability ?? this.#durability) === "fsync";
    if (!this.#knownTenantDirs.has(tenantId)) this.#createTenantDir(tenantId, durable);
    return {
      tenantId,
      entryId: id,
      directory: tenantDirPath(this.#root, tenantId),
      finalPath: entryFilePath(this.#root, tenantId, id),
      bytes,
      durable,
    };
  }

  #storedHandle(id: bigint, tenantId: bigint, bytes: Uint8Array, created: boolean): StoredEntryHandle {
    // The handle views the bytes just written (decoded again: one code path for every handle).
    const file = new LoadedFile(tenantId, id, bytes, decodeEnvelope(bytes).entry, null);
    return new StoredEntryHandle(file, created);
  }

  /**
   * Writes an entry and resolves once it is in place (and durable, by default).
   * The fsyncs run off the event loop, so many stores in flight overlap them.
   */
  store(id: bigint, entry: EntryFields, options?: StoreOptions): Promise<StoredEntryHandle> {
    return this.#timedAsync(
      "store",
      async () => {
        const write = this.#prepareWrite(id, entry, options);
        const created = await writeEntryFile(this.#write, write);
        return this.#storedHandle(id, write.tenantId, write.bytes, created);
      },
      (handle) => handle.fileBytes,
    );
  }

  /** {@link store} on this thread: blocks for the fsyncs. */
  storeSync(id: bigint, entry: EntryFields, options?: StoreOptions): StoredEntryHandle {
    return this.#timed(
      "store",
      () => {
        const write = this.#prepareWrite(id, entry, options);
        const created = writeEntryFileSync(this.#write, write);
        return this.#storedHandle(id, write.tenantId, write.bytes, created);
      },
      (handle) => handle.fileBytes,
    );
  }

  async load(id: bigint, tenantId: bigint): Promise<EntryHandle> {
    return this.loadSync(id, tenantId);
  }

  /**
   * Loads and verifies an entry on this thread (a page-cached 4 KiB entry takes a
   * few microseconds; a repeated load of a cached entry well under one).
   */
  loadSync(id: bigint, tenantId: bigint): EntryHandle {
    const recorder = this.#recorder;
    if (recorder === null) return this.#load(id, tenantId);
    const start = performance.now();
    try {
      const handle = this.#load(id, tenantId);
      recorder.record("load", (performance.now() - start) * 1e6, null, handle.fileBytes);
      return handle;
    } catch (error) {
      recorder.record("load", (performance.now() - start) * 1e6, isStoreError(error) ? error.code : "unknown", 0);
      throw error;
    }
  }

  #load(id: bigint, tenantId: bigint): EntryHandle {
    checkId(id, "entry id");
    checkId(tenantId, "tenant id");
    const key = HandleCache.key(tenantId, id);
    const cached = this.#cache.get(key);
    if (cached !== undefined) return new EntryHandle(cached);
    const file = readEntryFile(entryFilePath(this.#root, tenantId, id), tenantId, id, this.#read);
    this.#cache.set(key, file);
    return new EntryHandle(file);
  }

  delete(id: bigint, tenantId: bigint): Promise<void> {
    return this.#timedAsync("delete", async () => {
      const directory = this.#unlink(id, tenantId);
      if (this.#durability === "fsync") {
        try {
          await this.#write.syncer.sync(directory);
        } catch (error) {
          throw ioError("fsync", directory, error);
        }
      }
    });
  }

  /** {@link delete} on this thread. */
  deleteSync(id: bigint, tenantId: bigint): void {
    this.#timed("delete", () => {
      const directory = this.#unlink(id, tenantId);
      if (this.#durability === "fsync") {
        try {
          this.#write.syncer.syncNow(directory);
        } catch (error) {
          throw ioError("fsync", directory, error);
        }
      }
    });
  }

  #unlink(id: bigint, tenantId: bigint): string {
    checkId(id, "entry id");
    checkId(tenantId, "tenant id");
    const path = entryFilePath(this.#root, tenantId, id);
    let size: number | undefined;
    try {
      // The stat and the unlink run in one synchronous step: the live figures stay exact.
      size = statSync(path, { throwIfNoEntry: false })?.size;
      this.#ops.unlinkSync(path);
      this.#live.deleted(tenantId, size ?? 0);
    } catch (error) {
      const errno = errnoOf(error);
      if (errno === "ENOENT" || errno === "ENOTDIR") {
        this.#cache.invalidate(HandleCache.key(tenantId, id));
        throw new StoreError("not_found", `entry ${id} of tenant ${tenantId} not found`, { errno });
      }
      throw ioError("unlink", path, error);
    }
    this.#cache.invalidate(HandleCache.key(tenantId, id));
    return tenantDirPath(this.#root, tenantId);
  }

  async exists(id: bigint, tenantId: bigint): Promise<boolean> {
    return this.existsSync(id, tenantId);
  }

  /** {@link exists} on this thread. */
  existsSync(id: bigint, tenantId: bigint): boolean {
    return this.#timed("exists", () => {
      checkId(id, "entry id");
      checkId(tenantId, "tenant id");
      // Only a regular file is an entry: a directory under an entry's name is junk, as in listings.
      try {
        return statSync(entryFilePath(this.#root, tenantId, id), { throwIfNoEntry: false })?.isFile() === true;
      } catch {
        return false;
      }
    });
  }

  async listEntries(tenantId: bigint, page?: ListPage): Promise<bigint[]> {
    return this.listEntriesSync(tenantId, page);
  }

  /**
   * {@link listEntries} on this thread. A page costs one directory read of the
   * tenant (O(entries in the tenant)) and a sort of the ids after `after`;
   * only the page's ids become bigints.
   */
  listEntriesSync(tenantId: bigint, page: ListPage = {}): bigint[] {
    return this.#timed("list_entries", () => this.#listEntries(tenantId, page));
  }

  #listEntries(tenantId: bigint, page: ListPage): bigint[] {
    checkId(tenantId, "tenant id");
    const limit = page.limit ?? Number.POSITIVE_INFINITY;
    if (!(limit >= 0) || !(Number.isInteger(limit) || limit === Number.POSITIVE_INFINITY)) {
      throw new StoreError("invalid_argument", `limit must be an integer >= 0, got ${limit}`);
    }
    const after = page.after === undefined ? undefined : checkId(page.after, "after").toString();
    const dirents = readDirents(tenantDirPath(this.#root, tenantId));
    if (dirents === null) return [];
    const ids: string[] = [];
    for (const dirent of dirents) {
      if (!dirent.isFile()) continue;
      const id = entryIdText(dirent.name);
      if (id === undefined) continue;
      if (after !== undefined && compareDecimal(id, after) <= 0) continue;
      ids.push(id);
    }
    ids.sort(compareDecimal);
    const end = Math.min(ids.length, limit);
    const result: bigint[] = new Array(end);
    for (let i = 0; i < end; i++) result[i] = BigInt(ids[i] as string);
    return result;
  }

  async listTenants(): Promise<bigint[]> {
    return this.listTenantsSync();
  }

  /** {@link listTenants} on this thread. */
  listTenantsSync(): bigint[] {
    return this.#timed("list_tenants", () => this.#listTenants());
  }

  #listTenants(): bigint[] {
    const dirents = readDirents(this.#root);
    if (dirents === null) return [];
    return dirents
      .filter((dirent) => dirent.isDirectory() && isCanonicalDecimal(dirent.name))
      .map((dirent) => dirent.name)
      .sort(compareDecimal)
      .map((name) => BigInt(name));
  }

  async cleanupEmptyTenantDirs(): Promise<number> {
    return this.cleanupEmptyTenantDirsSync();
  }

  /** {@link cleanupEmptyTenantDirs} on this thread. Only empty tenant directories go; rmdir itself refuses the rest. */
  cleanupEmptyTenantDirsSync(): number {
    return this.#timed("cleanup", () => this.#cleanup());
  }

  #cleanup(): number {
    let removed = 0;
    for (const tenantId of this.#listTenants()) {
      const directory = tenantDirPath(this.#root, tenantId);
      try {
        this.#ops.rmdirSync(directory);
        this.#knownTenantDirs.delete(tenantId);
        this.#live.tenantRemoved(tenantId);
        removed++;
      } catch (error) {
        const errno = errnoOf(error);
        if (errno !== "ENOTEMPTY" && errno !== "EEXIST" && errno !== "ENOENT") throw ioError("rmdir", directory, error);
      }
    }
    if (removed > 0 && this.#durability === "fsync") {
      try {
        this.#write.syncer.syncNow(this.#root);
      } catch (error) {
        throw ioError("fsync", this.#root, error);
      }
    }
    return removed;
  }

  async stats(): Promise<StorageStats> {
    return this.statsSync();
  }

  /** {@link stats} on this thread: a scan that stats every entry file. */
  statsSync(): StorageStats {
    return this.#timed("stats", () => this.#scanStats());
  }

  #scanStats(): StorageStats {
    let tenantCount = 0;
    let entryCount = 0;
    let totalBytes = 0;
    for (const tenantId of this.#listTenants()) {
      tenantCount++;
      const directory = tenantDirPath(this.#root, tenantId);
      for (const dirent of readDirents(directory) ?? []) {
        if (!dirent.isFile() || entryIdText(dirent.name) === undefined) continue;
        const stat = statSync(`${directory}/${dirent.name}`, { throwIfNoEntry: false });
        if (stat === undefined) continue; // deleted meanwhile
        entryCount++;
        totalBytes += stat.size;
      }
    }
    return { tenantCount, entryCount, totalBytes };
  }

  verify(options?: VerifyOptions): Promise<VerifyReport> {
    return this.#timedAsync("verify", async () => {
      if (options?.tenantId !== undefined) checkId(options.tenantId, "tenant id");
      return verifyStore(this.#root, this.#read, options);
    });
  }

  /**
   * Live figures, in total and per tenant, kept by this store as it writes and
   * deletes: O(1) for the totals after a scan on first use. Writes by other
   * processes to the same root are not seen until {@link rescanStats}.
   */
  liveStats(): StorageUsage {
    return this.#live.snapshot();
  }

  /** Live totals only: O(1) after the first scan. */
  liveTotals(): StorageStats {
    return this.#live.totals();
  }

  /** Replaces the live figures with a fresh scan (after other processes wrote the root). */
  rescanStats(): StorageUsage {
    this.#live.rescan();
    return this.#live.snapshot();
  }

  /** Removes stale temp files now (the store also does it when it opens). */
  sweepTempFiles(): SweepResult {
    return sweepTempFiles(this.#root, this.#ops, this.#staleTempAfterMs);
  }

  close(): void {
    this.#cache.clear();
  }
}
