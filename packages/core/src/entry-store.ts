import type { EntryFields } from "@reflex/codec";
import type { EntryHandle, StoredEntryHandle } from "./entry-handle.ts";

/**
 * How durable a write is. A backend given a level it does not have uses its strongest one:
 * `NvmeStorage` treats `"replicated"` as `"fsync"`, `RedisClusterStore` treats `"fsync"` as
 * `"replicated"`.
 */
export type Durability =
  /** fsync the file before the rename and the directory after it: survives power loss once it resolves. */
  | "fsync"
  /** Networked backends: on the shard's master and confirmed received by at least one replica. */
  | "replicated"
  /** Atomic rename only: a crash may lose recent writes but never shows a torn entry. For pure caches. */
  | "atomic";

/** Options of one write. */
export interface StoreOptions {
  /** Overrides the store's default durability for this write. */
  readonly durability?: Durability;
  /** Time to live of this entry in seconds, overriding the store's default; 0: never expires. */
  readonly ttlSeconds?: number;
}

/** A page of a listing: ids strictly greater than `after`, ascending, at most `limit`. */
export interface ListPage {
  readonly limit?: number;
  readonly after?: bigint;
}

/** What `loadMany` found: handles in the order of the ids asked for, and the ids with no live entry. */
export interface LoadManyResult {
  readonly entries: EntryHandle[];
  readonly missing: bigint[];
}

/** The exact size of the store, by a scan. */
export interface StorageStats {
  readonly tenantCount: number;
  readonly entryCount: number;
  /** Sum of entry file sizes (headers included). */
  readonly totalBytes: number;
}

/** Entries and bytes of one tenant. */
export interface TenantUsage {
  readonly tenantId: bigint;
  readonly entryCount: number;
  readonly totalBytes: number;
}

/** The size of the store in total and per tenant (tenants ascending). */
export interface StorageUsage extends StorageStats {
  readonly perTenant: readonly TenantUsage[];
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

/** One bad file found by `verify`. */
export interface VerifyProblem {
  readonly tenantId: bigint;
  readonly entryId: bigint;
  /** Path relative to the root, e.g. `7/42.rfx`. */
  readonly path: string;
  /** What is wrong: a codec damage code (`checksum_mismatch`, `truncated`, ...), `tenant_mismatch`, `id_mismatch`, or `unreadable`. */
  readonly reason: string;
  readonly message: string;
}

/** What `verify` found. */
export interface VerifyReport {
  /** Entry files checked. */
  readonly checked: number;
  /** Entry files that loaded whole and in the right place. */
  readonly ok: number;
  /** Every corrupt, misplaced or unreadable entry file. */
  readonly problems: readonly VerifyProblem[];
}

/** Progress of a long walk, for a progress bar. */
export interface WalkProgress {
  readonly done: number;
  /** Known total, when it is known. */
  readonly total: number;
}

/** Options of `verify`. */
export interface VerifyOptions {
  /** Only this tenant. */
  readonly tenantId?: bigint;
  /** Called every so often with progress. */
  readonly onProgress?: (progress: WalkProgress) => void;
}

/**
 * The contract the apps (server, CLI) program against, so another storage adapter
 * can stand behind them. Ids are bigints in [0, 2^64-1]; anything else is an
 * `invalid_argument` error. Errors are `StoreError`s.
 */
export interface EntryStore {
  /** The store's root directory. */
  readonly storagePath: string;
  /** Creates the root (and parents); `storage_unavailable` when it cannot. */
  ensureStoragePath(): void;
  /** Writes `entry` under `id` in `entry.tenantId`, replacing any older entry. */
  store(id: bigint, entry: EntryFields, options?: StoreOptions): Promise<StoredEntryHandle>;
  /** Loads and verifies an entry: `not_found`, `corrupt`. */
  load(id: bigint, tenantId: bigint): Promise<EntryHandle>;
  /**
   * Loads several entries of one tenant: every id is checked first (`invalid_argument`
   * naming the bad one); missing and expired ones are listed in `missing`; a damaged one
   * fails the call as `corrupt`. Release every handle.
   */
  loadMany(tenantId: bigint, ids: readonly bigint[]): Promise<LoadManyResult>;
  /** Deletes an entry: `not_found` when there is none. */
  delete(id: bigint, tenantId: bigint): Promise<void>;
  /** True when an entry file exists for the id. */
  exists(id: bigint, tenantId: bigint): Promise<boolean>;
  /** Entry ids of a tenant, ascending, optionally one page. Junk files are ignored. */
  listEntries(tenantId: bigint, page?: ListPage): Promise<bigint[]>;
  /** Tenant ids, ascending. */
  listTenants(): Promise<bigint[]>;
  /** Removes empty tenant directories; returns how many. */
  cleanupEmptyTenantDirs(): Promise<number>;
  /** Exact counts by a scan; zeros when the root does not exist. */
  stats(): Promise<StorageStats>;
  /** Live counts in total and per tenant, kept by the store as it writes (no scan after the first). */
  liveStats(): StorageUsage;
  /** Retention bounds and how many entries expired or were evicted. */
  retentionStats(): RetentionStats;
  /** Reads every entry file and reports the corrupt and misplaced ones. */
  verify(options?: VerifyOptions): Promise<VerifyReport>;
  /** Drops cached handles; the store stays usable. */
  close(): void;
}
