import { closeSync, existsSync, mkdirSync, openSync, statSync, utimesSync } from "node:fs";
import { resolve } from "node:path";
import { assertU64, decodeEntryBody, type EntryFields, encodeEnvelope, readEnvelopeHeader } from "@reflex/codec";
import { DirectorySyncer } from "./directory-sync.ts";
import { readEntryExpiry } from "./entry-file-info.ts";
import { EntryHandle, StoredEntryHandle } from "./entry-handle.ts";
import type {
  Durability,
  EntryStore,
  ListPage,
  StorageStats,
  StoreOptions,
  VerifyOptions,
  VerifyReport,
  WalkProgress,
} from "./entry-store.ts";
import { type FileOps, nodeFileOps } from "./file-ops.ts";
import { HandleCache, type HandleCacheLimits } from "./handle-cache.ts";
import {
  compareDecimal,
  ENTRY_EXTENSION,
  entryFilePath,
  entryIdText,
  isCanonicalDecimal,
  TTL_MARKER,
  tenantDirPath,
} from "./layout.ts";
import { LiveStats, type StorageUsage } from "./live-stats.ts";
import { LoadedFile, MappingBudget } from "./loaded-file.ts";
import type { OperationRecorder, StoreOperation } from "./operation-recorder.ts";
import { readDirectory } from "./read-directory.ts";
import { type ReadOptions, readEntryFile } from "./read-entry.ts";
import { RetentionIndex, type Victim } from "./retention-index.ts";
import { type ResolvedRetention, type RetentionOptions, resolveRetention } from "./retention-options.ts";
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
  /** TTL and size bounds (see README "Retention"). Default: keep everything. */
  readonly retention?: RetentionOptions;
  /** The clock for expiry and recency, in ms since the epoch. Default `Date.now` (tests pass a fake one). */
  readonly clock?: () => number;
}

/** Why an entry was evicted. */
export type EvictionReason = "tenant_entries" | "tenant_bytes" | "root_entries" | "root_bytes";

/** Bounds, usage and what retention has removed. */
export interface RetentionStats {
  readonly bounds: {
    readonly defaultTtlSeconds: number;
    readonly maxBytes: number | null;
    readonly maxEntries: number | null;
    readonly tenantMaxBytes: number | null;
    readonly tenantMaxEntries: number | null;
  };
  /** True once the index behind eviction has scanned the whole root (always true when unbounded). */
  readonly indexReady: boolean;
  readonly evictions: Readonly<Record<EvictionReason, number>>;
  readonly expirations: number;
}

/** What a `gc()` pass did. */
export interface GcReport {
  /** Entry files whose header was checked. */
  readonly scanned: number;
  /** Expired entries removed. */
  readonly expired: number;
  /** Entries evicted to bring the store within its bounds. */
  readonly evicted: number;
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
  readonly #clock: () => number;
  readonly #retention: ResolvedRetention;
  readonly #index: RetentionIndex | null;
  readonly #indexBuilt: Promise<void>;
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  readonly #evictions: Record<EvictionReason, number> = {
    tenant_entries: 0,
    tenant_bytes: 0,
    root_entries: 0,
    root_bytes: 0,
  };
  #expirations = 0;
  /** True once this root is known to hold entries with an expiry (see TTL_MARKER). */
  #ttlInUse = false;
  #ttlMarkerCheckedAt = Number.NEGATIVE_INFINITY;
  readonly #reclaimQueue = new Map<string, Victim>();
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
        if (this.#index !== null) {
          this.#index.written(write.tenantId, write.entryId, write.bytes.byteLength, write.expiresAt, this.#clock());
          this.#enforceBounds(write.tenantId, { tenantId: write.tenantId, entryId: write.entryId });
        }
      },
    };
    this.#recorder = options.recorder ?? null;
    this.#live = new LiveStats(this.#root);
    this.#clock = options.clock ?? Date.now;
    this.#retention = resolveRetention(options.retention);
    const retains = this.#retention.bounded || this.#retention.defaultTtlSeconds > 0;
    this.#ttlInUse = this.#retention.defaultTtlSeconds > 0;
    this.#index = retains ? new RetentionIndex(this.#root) : null;
    this.#indexBuilt =
      this.#index === null
        ? Promise.resolve()
        : this.#index.build().then(() => {
            this.#enforceAllBounds();
          });
    this.#staleTempAfterMs = options.staleTempAfterMs ?? DEFAULT_STORAGE_OPTIONS.staleTempAfterMs;
    this.sweep = options.sweepTempFiles === false ? { removed: 0, kept: 0 } : this.sweepTempFiles();
    if (this.#index !== null) this.#startTimers();
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
    const expiresAt = this.#expiryOf(options?.ttlSeconds);
    if (expiresAt !== 0n && !this.#ttlInUse) {
      this.ensureStoragePath();
      this.#markTtlInUse();
    }
    let bytes: Uint8Array;
    try {
      bytes = encodeEnvelope(id, entry, expiresAt);
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
      expiresAt,
    };
  }

  #nowSeconds(): bigint {
    return BigInt(Math.floor(this.#clock() / 1000));
  }

  #expiryOf(ttlSeconds: number | undefined): bigint {
    const ttl = ttlSeconds ?? this.#retention.defaultTtlSeconds;
    if (!Number.isInteger(ttl) || ttl < 0) {
      throw new StoreError("invalid_argument", `ttlSeconds must be a non-negative integer, got ${ttl}`);
    }
    // Rounded up: an entry lives at least ttl seconds (expiry has one-second resolution).
    return ttl === 0 ? 0n : BigInt(Math.ceil(this.#clock() / 1000)) + BigInt(ttl);
  }

  /**
   * Whether listings and `exists` must read headers for expiry: once a TTL entry was
   * written to this root by any store (the marker file; looked for at most once a second).
   */
  #expiryChecksNeeded(): boolean {
    if (this.#ttlInUse) return true;
    const now = performance.now();
    if (now - this.#ttlMarkerCheckedAt < 1000) return false;
    this.#ttlMarkerCheckedAt = now;
    this.#ttlInUse = existsSync(`${this.#root}/${TTL_MARKER}`);
    return this.#ttlInUse;
  }

  /** Marks the root as holding TTL entries, before the first one is written. */
  #markTtlInUse(): void {
    const marker = `${this.#root}/${TTL_MARKER}`;
    if (!existsSync(marker)) {
      try {
        closeSync(openSync(marker, "a"));
      } catch (error) {
        throw ioError("create", marker, error);
      }
    }
    this.#ttlInUse = true;
  }

  #isExpired(expiresAt: bigint): boolean {
    return expiresAt !== 0n && expiresAt <= this.#nowSeconds();
  }

  #storedHandle(id: bigint, tenantId: bigint, bytes: Uint8Array, created: boolean): StoredEntryHandle {
    // The handle views the bytes just written: their body is decoded (views, no copy), but
    // not checksummed again: this process just encoded them.
    const header = readEnvelopeHeader(bytes);
    const entry = decodeEntryBody(bytes.subarray(header.headerBytes));
    const file = new LoadedFile(tenantId, id, bytes, entry, null, header.expiresAt);
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
    const cached = this.#cache.limits.maxEntries > 0;
    const key = cached ? HandleCache.key(tenantId, id) : "";
    let file = cached ? this.#cache.get(key) : undefined;
    if (file === undefined) {
      file = readEntryFile(entryFilePath(this.#root, tenantId, id), tenantId, id, this.#read);
      if (cached) this.#cache.set(key, file);
    }
    if (file.expiresAt !== 0n && this.#isExpired(file.expiresAt)) {
      this.#cache.invalidate(key);
      this.#queueReclaim(tenantId, id);
      throw new StoreError("not_found", `entry ${id} of tenant ${tenantId} expired`, { reason: "expired" });
    }
    this.#index?.accessed(tenantId, id, this.#clock());
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
    try {
      this.#unlinkEntry(tenantId, id);
    } catch (error) {
      const errno = errnoOf(error);
      if (errno === "ENOENT" || errno === "ENOTDIR") {
        throw new StoreError("not_found", `entry ${id} of tenant ${tenantId} not found`, { errno });
      }
      throw ioError("unlink", entryFilePath(this.#root, tenantId, id), error);
    }
    return tenantDirPath(this.#root, tenantId);
  }

  /**
   * Unlinks an entry file and updates the cache, the live figures and the retention
   * index; throws the file system's error as it is. The stat and the unlink run in one
   * synchronous step, so the live figures stay exact.
   */
  #unlinkEntry(tenantId: bigint, entryId: bigint): void {
    const path = entryFilePath(this.#root, tenantId, entryId);
    this.#cache.invalidate(HandleCache.key(tenantId, entryId));
    const size = statSync(path, { throwIfNoEntry: false })?.size;
    this.#ops.unlinkSync(path);
    this.#live.deleted(tenantId, size ?? 0);
    this.#index?.deleted(tenantId, entryId);
  }

  async exists(id: bigint, tenantId: bigint): Promise<boolean> {
    return this.existsSync(id, tenantId);
  }

  /** {@link exists} on this thread. */
  existsSync(id: bigint, tenantId: bigint): boolean {
    return this.#timed("exists", () => {
      checkId(id, "entry id");
      checkId(tenantId, "tenant id");
      // Only a regular file is an entry (a directory under an entry's name is junk, as in
      // listings), and an expired one is a miss: one open and a 40-byte header read.
      const path = entryFilePath(this.#root, tenantId, id);
      if (!this.#expiryChecksNeeded()) {
        try {
          return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
        } catch {
          return false;
        }
      }
      const expiresAt = readEntryExpiry(path);
      if (expiresAt === undefined) return false;
      if (this.#isExpired(expiresAt)) {
        this.#queueReclaim(tenantId, id);
        return false;
      }
      return true;
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
    const dirents = readDirectory(tenantDirPath(this.#root, tenantId));
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
    if (!this.#expiryChecksNeeded()) {
      const end = Math.min(ids.length, limit);
      const plain: bigint[] = new Array(end);
      for (let i = 0; i < end; i++) plain[i] = BigInt(ids[i] as string);
      return plain;
    }
    // Expired entries are misses: each candidate's header says (only the page's candidates are read).
    const directory = tenantDirPath(this.#root, tenantId);
    const result: bigint[] = [];
    for (let i = 0; i < ids.length && result.length < limit; i++) {
      const text = ids[i] as string;
      const expiresAt = readEntryExpiry(`${directory}/${text}${ENTRY_EXTENSION}`);
      if (expiresAt === undefined) continue; // deleted meanwhile
      const id = BigInt(text);
      if (this.#isExpired(expiresAt)) {
        this.#queueReclaim(tenantId, id);
        continue;
      }
      result.push(id);
    }
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
    const dirents = readDirectory(this.#root);
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
      for (const dirent of readDirectory(directory) ?? []) {
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

  /** Bounds, eviction and expiry counts. */
  retentionStats(): RetentionStats {
    const r = this.#retention;
    const finite = (value: number) => (Number.isFinite(value) ? value : null);
    return {
      bounds: {
        defaultTtlSeconds: r.defaultTtlSeconds,
        maxBytes: finite(r.maxBytes),
        maxEntries: finite(r.maxEntries),
        tenantMaxBytes: finite(r.tenantMaxBytes),
        tenantMaxEntries: finite(r.tenantMaxEntries),
      },
      indexReady: this.#index?.ready ?? true,
      evictions: { ...this.#evictions },
      expirations: this.#expirations,
    };
  }

  /** Resolves once the retention index has scanned the whole root (at once when there is none). */
  retentionReady(): Promise<void> {
    return this.#indexBuilt;
  }

  #startTimers(): void {
    const { reclaimIntervalMs, persistAccessIntervalMs } = this.#retention;
    if (reclaimIntervalMs > 0) this.#timers.push(setInterval(() => this.#reclaimIndexed(), reclaimIntervalMs));
    if (persistAccessIntervalMs > 0) {
      this.#timers.push(setInterval(() => this.#persistAccessTimes(), persistAccessIntervalMs));
    }
    for (const timer of this.#timers) timer.unref();
  }

  #queueReclaim(tenantId: bigint, entryId: bigint): void {
    const key = HandleCache.key(tenantId, entryId);
    if (this.#reclaimQueue.has(key)) return;
    this.#reclaimQueue.set(key, { tenantId, entryId });
    if (this.#reclaimQueue.size === 1) setImmediate(() => this.#drainReclaimQueue());
  }

  #drainReclaimQueue(): void {
    const queued = [...this.#reclaimQueue.values()];
    this.#reclaimQueue.clear();
    for (const { tenantId, entryId } of queued) this.#reclaimIfExpired(tenantId, entryId);
  }

  /** Removes an entry file if, on disk right now, it is expired (a newer write may have replaced it). */
  #reclaimIfExpired(tenantId: bigint, entryId: bigint): boolean {
    let expiresAt: bigint | undefined;
    try {
      expiresAt = readEntryExpiry(entryFilePath(this.#root, tenantId, entryId));
    } catch {
      return false; // not readable now (EMFILE, ...): a later pass retries
    }
    if (expiresAt === undefined || !this.#isExpired(expiresAt)) return false;
    if (!this.#remove(tenantId, entryId)) return false;
    this.#expirations++;
    this.#recorder?.retention?.("expired", "ttl");
    return true;
  }

  /** Unlinks an entry file for retention (no directory fsync: a cache may lose a removal). */
  #remove(tenantId: bigint, entryId: bigint): boolean {
    try {
      this.#unlinkEntry(tenantId, entryId);
      return true;
    } catch {
      this.#index?.deleted(tenantId, entryId); // gone already, or not removable now: a later pass retries
      return false;
    }
  }

  #reclaimIndexed(): number {
    if (this.#index === null) return 0;
    let removed = 0;
    for (const { tenantId, entryId } of this.#index.expired(this.#nowSeconds())) {
      if (this.#reclaimIfExpired(tenantId, entryId)) removed++;
      else this.#index.deleted(tenantId, entryId); // replaced or gone: forget the stale record
    }
    return removed;
  }

  #evict(victim: Victim, reason: EvictionReason): boolean {
    if (!this.#remove(victim.tenantId, victim.entryId)) return false;
    this.#evictions[reason]++;
    this.#recorder?.retention?.("evicted", reason);
    return true;
  }

  /**
   * After a write to `tenantId`: evicts that tenant's least recently used entries
   * while it is over its own bound (never another tenant's), then the root's while
   * the root is over its bound. Never evicts `keep` (the entry just written).
   */
  #enforceBounds(tenantId: bigint, keep: Victim): number {
    return this.#enforceTenantBounds(tenantId, keep) + this.#enforceRootBounds(keep);
  }

  /** While `tenantId` is over its own bound: evicts its least recently used entries (never `keep`). */
  #enforceTenantBounds(tenantId: bigint, keep?: Victim): number {
    const index = this.#index;
    if (index === null || !this.#retention.bounded) return 0;
    const r = this.#retention;
    let evicted = 0;
    for (;;) {
      const usage = index.tenantUsage(tenantId);
      const reason: EvictionReason | null =
        usage.entries > r.tenantMaxEntries ? "tenant_entries" : usage.bytes > r.tenantMaxBytes ? "tenant_bytes" : null;
      if (reason === null) break;
      const victim = index.leastRecentlyUsed(tenantId, keep);
      if (victim === undefined || !this.#evict(victim, reason)) break;
      evicted++;
    }
    return evicted;
  }

  /** Brings every tenant within its own bound, then the root within its bound (after the index scan, and in gc). */
  #enforceAllBounds(): number {
    const index = this.#index;
    if (index === null || !this.#retention.bounded) return 0;
    let evicted = 0;
    for (const tenantId of index.tenantIds()) evicted += this.#enforceTenantBounds(tenantId);
    return evicted + this.#enforceRootBounds();
  }

  /** While the root is over its bound: evicts from a tenant over its own bound first, else the root's LRU. */
  #enforceRootBounds(keep?: Victim): number {
    const index = this.#index;
    if (index === null || !this.#retention.bounded) return 0;
    const r = this.#retention;
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

  /** Writes the in-memory last access of recently loaded entries back to their files' mtime (and atime). */
  #persistAccessTimes(): number {
    let written = 0;
    for (const { tenantId, entryId, lastAccessMs } of this.#index?.takeTouched() ?? []) {
      try {
        const seconds = lastAccessMs / 1000;
        utimesSync(entryFilePath(this.#root, tenantId, entryId), seconds, seconds);
        written++;
      } catch {
        // deleted meanwhile
      }
    }
    return written;
  }

  /**
   * A reclaim pass by hand (what `reflex gc` runs): removes every expired entry of
   * the root (reading each entry file's header), waits for the retention index,
   * evicts until the store is within its bounds, and writes last-access times back.
   */
  async gc(options: { onProgress?: (progress: WalkProgress) => void } = {}): Promise<GcReport> {
    const work: { tenantId: bigint; entryId: bigint }[] = [];
    for (const tenantId of this.#listTenants()) {
      for (const dirent of readDirectory(tenantDirPath(this.#root, tenantId)) ?? []) {
        const id = dirent.isFile() ? entryIdText(dirent.name) : undefined;
        if (id !== undefined) work.push({ tenantId, entryId: BigInt(id) });
      }
    }
    let expired = 0;
    let done = 0;
    for (const { tenantId, entryId } of work) {
      if (this.#reclaimIfExpired(tenantId, entryId)) expired++;
      done++;
      if (done % 256 === 0) {
        options.onProgress?.({ done, total: work.length });
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    options.onProgress?.({ done, total: work.length });
    const evictionsBefore = this.#evictionCount();
    await this.#indexBuilt; // its completion evicts down to the bounds, too
    this.#enforceAllBounds();
    this.#persistAccessTimes();
    return { scanned: work.length, expired, evicted: this.#evictionCount() - evictionsBefore };
  }

  #evictionCount(): number {
    return Object.values(this.#evictions).reduce((sum, n) => sum + n, 0);
  }

  /** Drops cached handles, stops the retention timers and writes last-access times back. The store stays usable. */
  close(): void {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    this.#persistAccessTimes();
    this.#cache.clear();
  }
}
