import type { EntryFields } from "@reflex/codec";
import type { EntryHandle, StoredEntryHandle } from "../handle/entry-handle.ts";

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
  /**
   * Entries evicted while the pass ran: to bring the store within its bounds, including
   * those the retention index's first scan evicted when it finished during the pass.
   */
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

/** Options of `deleteTenant`. */
export interface TenantDeletionOptions {
  /** Called every so often with the files removed so far (after the tenant is already invisible). */
  readonly onProgress?: (progress: WalkProgress) => void;
}

/** Options of `verify`. */
export interface VerifyOptions {
  /** Only this tenant. */
  readonly tenantId?: bigint;
  /** Called every so often with progress. */
  readonly onProgress?: (progress: WalkProgress) => void;
}

/** Options of `search`. */
export interface SearchOptions {
  /** Most hits, 1 to 100. Default 1. */
  readonly k?: number;
  /** Least cosine similarity of a hit, -1 to 1. Default 0.9 (RedisVL's cosine distance 0.1). */
  readonly minSimilarity?: number;
  /** Score every stored vector instead of the prefiltered candidates. Default false. */
  readonly exact?: boolean;
  /** Only entries with this context hash are candidates (a u64). Default: every entry of the tenant. */
  readonly contextHash?: bigint;
}

/** One entry found by `search`. */
export interface SearchHit {
  readonly entryId: bigint;
  /** Cosine similarity to the query, in [-1, 1]. */
  readonly similarity: number;
  readonly timestamp: bigint;
  readonly contextHash: bigint;
}

/** What `searchWithNearest` found: the hits, and how close the best candidate came. */
export interface SearchResult {
  /** As `search` answers them. */
  readonly hits: SearchHit[];
  /**
   * The best cosine similarity of any candidate (same tenant, dimension and, when scoped,
   * context hash; one a load would return), whether or not it reached `minSimilarity`:
   * the figure to tune a threshold from. Null when there was no candidate. With
   * `exact: false` on a large candidate set a miss reports the best of the rows the
   * prefilter scored (never above the true best); `exact: true` gives the true best.
   */
  readonly nearest: number | null;
}

/**
 * The contract the apps (server, CLI) program against, so another storage adapter
 * can stand behind them. Ids are bigints in [0, 2^64-1]; anything else is an
 * `invalid_argument` error. Errors are `StoreError`s. Beyond each method's own codes,
 * any write may fail with `too_large` (an entry over a bound of the store, refused before
 * anything is evicted), `read_only` (a store opened read-only) or `locked` (another
 * process is the root's writer; `holder` names it): the apps map these without knowing
 * the backend (HTTP 413 / 503 / 503, CLI exit 2 / 3 / 3).
 */
export interface EntryStore {
  /** Where the entries are, for messages: a directory, or a backend's address. */
  readonly storagePath: string;
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
  /**
   * Gives an entry a new time to live without the caller sending it again: it expires
   * `ttlSeconds` from now (0: never). Resolves to the new expiry in unix seconds (0n:
   * never), which later loads report as `handle.expiresAt`. The entry's fields stay as
   * they are. `not_found` for a missing or expired entry; `invalid_argument` for a bad TTL.
   */
  touch(id: bigint, tenantId: bigint, ttlSeconds: number): Promise<bigint>;
  /** True when an entry file exists for the id. */
  exists(id: bigint, tenantId: bigint): Promise<boolean>;
  /**
   * Deletes a whole tenant: all of its entries leave every listing and load at once
   * (never some of them), even if the process dies midway; the rest of the work may
   * finish later (a file backend finishes it when a writer next opens the root).
   * Resolves to the number of entries removed. `not_found` when the store has no such
   * tenant (a tenant with an empty directory counts, with 0 entries).
   */
  deleteTenant(tenantId: bigint, options?: TenantDeletionOptions): Promise<number>;
  /** Entry ids of a tenant, ascending, optionally one page. Junk files are ignored. */
  listEntries(tenantId: bigint, page?: ListPage): Promise<bigint[]>;
  /** Tenant ids, ascending. */
  listTenants(): Promise<bigint[]>;
  /** Removes empty tenant directories; returns how many. A backend without directories rejects with `unsupported`. */
  cleanupEmptyTenantDirs(): Promise<number>;
  /** Exact counts by a scan; zeros when the root does not exist. */
  stats(): Promise<StorageStats>;
  /** Live counts in total and per tenant, kept by the store as it writes (no scan after the first). */
  liveStats(): StorageUsage;
  /** Retention bounds and how many entries expired or were evicted. */
  retentionStats(): RetentionStats;
  /**
   * The entries of `tenantId` nearest to `embedding` (little-endian f16) by cosine:
   * only vectors of the same dimension, at least `minSimilarity`, best first, ties by
   * newer timestamp, then smaller id. With `contextHash`, only entries of that context
   * hash are candidates (the index keeps them apart, so a scoped search scans only
   * them). Never an entry a load would not return
   * (deleted, expired, evicted, another tenant's). A bad query is `invalid_embedding`;
   * a backend without lookup rejects with `unsupported`.
   */
  search(tenantId: bigint, embedding: Uint8Array, options?: SearchOptions): Promise<SearchHit[]>;
  /**
   * `search`, and the best similarity it saw, hit or not (see {@link SearchResult}): what
   * the HTTP search route answers. Same arguments, checks and errors as `search`.
   */
  searchWithNearest(tenantId: bigint, embedding: Uint8Array, options?: SearchOptions): Promise<SearchResult>;
  /**
   * Ids of the entries of `tenantId` with this context hash, newest first (by
   * timestamp, then smaller id), with the same visibility as `search`. A backend
   * without lookup rejects with `unsupported`.
   */
  findByContext(tenantId: bigint, contextHash: bigint): Promise<bigint[]>;
  /** Reads every entry file and reports the corrupt and misplaced ones. */
  verify(options?: VerifyOptions): Promise<VerifyReport>;
  /** Drops cached handles; the store stays usable. */
  close(): void;
}
