import type { Durability } from "../contract/entry-store.ts";
import type { OperationRecorder } from "../contract/operation-recorder.ts";
import { StoreError } from "../contract/store-error.ts";
import { type FileOps, nodeFileOps } from "../disk/file-ops.ts";
import type { LockMode } from "../disk/root-lock.ts";
import type { HandleCacheLimits } from "../ledger/handle-cache.ts";
import type { WalLimits } from "../wal/wal-limits.ts";

/**
 * How a store bounds itself. Every field is optional; with none set the store
 * keeps everything forever (the seed's behaviour).
 */
export interface RetentionOptions {
  /** Default time to live of a new entry, in seconds. 0 or absent: entries do not expire unless a write says so. */
  readonly defaultTtlSeconds?: number;
  /** Most entry-file bytes in the whole root. */
  readonly maxBytes?: number;
  /** Most entries in the whole root. */
  readonly maxEntries?: number;
  /** Most entry-file bytes of any one tenant. */
  readonly tenantMaxBytes?: number;
  /** Most entries of any one tenant. */
  readonly tenantMaxEntries?: number;
  /** How often expired entries are reclaimed in the background, in ms. Default 30 s; 0 turns the timer off. */
  readonly reclaimIntervalMs?: number;
  /** How often last-access times are written back to the files (mtime), in ms. Default 60 s; 0: only on close and gc. */
  readonly persistAccessIntervalMs?: number;
}

/** The index behind `search` and `findByContext` (see README "Lookup"). */
export interface LookupOptions {
  /** Most bytes the index may hold (about 1.7 KiB per 768-dim entry). Default 1 GiB. */
  readonly maxBytes?: number;
  /**
   * `"first-use"` (default): build from the entry files on the first lookup (or `lookupReady()`),
   * so a store opened only to load never reads every file, and writes before it index nothing
   * (its figures stay 0 until then); `"open"`: in the background as the store opens (what the
   * server does).
   */
  readonly build?: "open" | "first-use";
}

/** Options of `NvmeStorage`. Every one has a default that suits a server. */
export interface NvmeStorageOptions {
  /** Default durability of writes. Default `"fsync"`. */
  readonly durability?: Durability;
  /** Bounds of the cache of verified entry files. Default 4096 entries, 256 MiB. `{ maxEntries: 0 }` turns it off. */
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
  /**
   * Open without writing: takes no root lock, so it works beside a running writer (the
   * server); every write is refused with `read_only`; no handle cache (every load reads
   * the file, so nothing stale is served), no retention index, no temp sweep, expired
   * entries are not removed, and `liveStats()` is a fresh scan. Default false.
   */
  readonly readOnly?: boolean;
  /**
   * The root's writer lock (see root-lock.ts). Default true. `false` takes none: only for
   * tests of the file protocol under several writer processes; such stores' caches and
   * indexes do not see each other's changes.
   */
  readonly lock?: boolean;
  /** How this store names itself in the lock file, for others' `locked` errors. Default `"a store"`. */
  readonly lockOwner?: string;
  /**
   * Largest entry file (envelope: header + encoded entry) one write may make, in bytes.
   * A larger write is `too_large`. Default none (the tenant and root byte bounds still apply).
   */
  readonly maxEntryBytes?: number;
  /** The lookup index; `false` keeps none (search and findByContext are then `unsupported`). Default on. */
  readonly lookup?: LookupOptions | false;
  /**
   * The write-ahead log of durable writes (see RELIABILITY.md "Durability"): a durable write
   * appends its envelope to `<root>/.reflex-wal/`, shares one fsync with the writes in flight
   * beside it and is acknowledged; its file is put in place after that, without fsyncs
   * (reads see the write at once meanwhile); a checkpoint makes the files durable. While
   * a placement fails (a full disk), `gc()`, `verify()` and the checkpoint fail with its `io`
   * error and the write stays readable here. `true` (or bounds) turns it on; off (the
   * default), every durable write fsyncs its own file and directory (the file protocol).
   * Only a store holding the root's lock keeps a log. Whatever this says, a writer that
   * opens a root with a log replays it.
   */
  readonly wal?: WalOptions | boolean;
}

/** Bounds of the write-ahead log: a checkpoint starts when either is passed. */
export interface WalOptions {
  /** Bytes in the log's current segment. Default 64 MiB. */
  readonly maxBytes?: number;
  /** Age of the oldest record not yet checkpointed, in ms. Default 30 s. */
  readonly maxAgeMs?: number;
  /**
   * Envelope bytes acknowledged and not yet put in place, with those of puts waiting for a
   * commit (held in memory, and what a replay may have to write again after a power cut); a
   * write that would pass it waits, after the writes already waiting, for them to be
   * placed, and fails with the placement's `io` error while one fails. Default 16 MiB.
   */
  readonly maxUnplacedBytes?: number;
  /**
   * How far ahead of its records a log segment is grown, with zeros made durable, so a
   * group commit is an fdatasync that changes no metadata (no file-system journal commit).
   * Default 1 MiB.
   */
  readonly preallocateBytes?: number;
}

/** Defaults of {@link NvmeStorageOptions}. */
export const DEFAULT_STORAGE_OPTIONS = {
  durability: "fsync" as Durability,
  handleCache: { maxEntries: 4096, maxBytes: 256 * 1024 * 1024 },
  maxMappings: 16_384,
  mmapThresholdBytes: 256 * 1024,
  staleTempAfterMs: 10 * 60 * 1000,
  lookup: { maxBytes: 1024 * 1024 * 1024, build: "first-use" },
  wal: {
    maxBytes: 64 * 1024 * 1024,
    maxAgeMs: 30_000,
    maxUnplacedBytes: 16 * 1024 * 1024,
    preallocateBytes: 1024 * 1024,
  },
} as const;

/** Retention options with every bound resolved (Infinity when unbounded). */
export interface ResolvedRetention {
  readonly defaultTtlSeconds: number;
  readonly maxBytes: number;
  readonly maxEntries: number;
  readonly tenantMaxBytes: number;
  readonly tenantMaxEntries: number;
  readonly reclaimIntervalMs: number;
  readonly persistAccessIntervalMs: number;
  /** True when any size bound is set: the store keeps an index of entries and evicts. */
  readonly bounded: boolean;
}

/** Lookup options resolved: the index's bound, and when its build starts. */
export interface ResolvedLookup {
  readonly maxBytes: number;
  readonly build: "open" | "first-use";
}

/** Every option of a store, validated and with its default filled in. */
export interface ResolvedStoreOptions {
  readonly durability: Durability;
  readonly handleCache: HandleCacheLimits;
  readonly maxMappings: number;
  readonly mmapThresholdBytes: number;
  readonly sweepTempFiles: boolean;
  readonly staleTempAfterMs: number;
  readonly fileOps: FileOps;
  readonly recorder: OperationRecorder | null;
  readonly retention: ResolvedRetention;
  readonly clock: () => number;
  readonly lockMode: LockMode;
  readonly lockOwner: string;
  /** Infinity when unbounded. */
  readonly maxEntryBytes: number;
  /** Null: no lookup index. */
  readonly lookup: ResolvedLookup | null;
  /** Null: no write-ahead log (also when the store holds no lock). */
  readonly wal: WalLimits | null;
}

function invalid(name: string, rule: string, value: unknown): StoreError {
  return new StoreError("invalid_argument", `${name} must be ${rule}, got ${String(value)}`);
}

/** A size bound: Infinity when absent, else a positive integer. */
function bound(value: number | undefined, name: string): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw invalid(name, "a positive integer", value);
  }
  return value;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(name, "a non-negative integer", value);
  }
  return value;
}

function oneOf<T extends string>(value: T | undefined, fallback: T, allowed: readonly T[], name: string): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) throw invalid(name, allowed.map((a) => `"${a}"`).join(" or "), value);
  return value;
}

function flag(value: boolean | undefined, fallback: boolean, name: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw invalid(name, "a boolean", value);
  return value;
}

function fn<T>(value: T | undefined, fallback: T, name: string): T {
  if (value === undefined) return fallback;
  if (typeof value !== "function") throw invalid(name, "a function", value);
  return value;
}

/** Validates retention options and fills in defaults; `invalid_argument` names a bad option. */
export function resolveRetention(options: RetentionOptions = {}): ResolvedRetention {
  const resolved = {
    defaultTtlSeconds: nonNegative(options.defaultTtlSeconds, 0, "defaultTtlSeconds"),
    maxBytes: bound(options.maxBytes, "maxBytes"),
    maxEntries: bound(options.maxEntries, "maxEntries"),
    tenantMaxBytes: bound(options.tenantMaxBytes, "tenantMaxBytes"),
    tenantMaxEntries: bound(options.tenantMaxEntries, "tenantMaxEntries"),
    reclaimIntervalMs: nonNegative(options.reclaimIntervalMs, 30_000, "reclaimIntervalMs"),
    persistAccessIntervalMs: nonNegative(options.persistAccessIntervalMs, 60_000, "persistAccessIntervalMs"),
  };
  const bounded =
    Number.isFinite(resolved.maxBytes) ||
    Number.isFinite(resolved.maxEntries) ||
    Number.isFinite(resolved.tenantMaxBytes) ||
    Number.isFinite(resolved.tenantMaxEntries);
  return { ...resolved, bounded };
}

/** Validates every option of {@link NvmeStorageOptions} and fills in its default; `invalid_argument` names a bad one. */
export function resolveStoreOptions(options: NvmeStorageOptions = {}): ResolvedStoreOptions {
  const defaults = DEFAULT_STORAGE_OPTIONS;
  const readOnly = flag(options.readOnly, false, "readOnly");
  const cache = options.handleCache ?? {};
  return {
    durability: oneOf(options.durability, defaults.durability, ["fsync", "atomic"], "durability"),
    // Read-only: no cache, so a file another process replaced or removed is never served from memory.
    handleCache: {
      maxEntries: readOnly
        ? 0
        : nonNegative(cache.maxEntries, defaults.handleCache.maxEntries, "handleCache.maxEntries"),
      maxBytes: nonNegative(cache.maxBytes, defaults.handleCache.maxBytes, "handleCache.maxBytes"),
    },
    maxMappings: nonNegative(options.maxMappings, defaults.maxMappings, "maxMappings"),
    mmapThresholdBytes: nonNegative(options.mmapThresholdBytes, defaults.mmapThresholdBytes, "mmapThresholdBytes"),
    sweepTempFiles: flag(options.sweepTempFiles, true, "sweepTempFiles") && !readOnly,
    staleTempAfterMs: nonNegative(options.staleTempAfterMs, defaults.staleTempAfterMs, "staleTempAfterMs"),
    fileOps: options.fileOps ?? nodeFileOps,
    recorder: options.recorder ?? null,
    retention: resolveRetention(options.retention),
    clock: fn(options.clock, Date.now, "clock"),
    lockMode: readOnly ? "read-only" : flag(options.lock, true, "lock") ? "exclusive" : "none",
    lockOwner: options.lockOwner ?? "a store",
    maxEntryBytes: bound(options.maxEntryBytes, "maxEntryBytes"),
    lookup: resolveLookup(options.lookup),
    wal: readOnly || options.lock === false ? null : resolveWal(options.wal),
  };
}

/** Validates lookup options and fills in defaults; `invalid_argument` names a bad option. */
export function resolveLookup(options: LookupOptions | false | undefined): ResolvedLookup | null {
  if (options === false) return null;
  const defaults = DEFAULT_STORAGE_OPTIONS.lookup;
  const build = oneOf(options?.build, defaults.build, ["open", "first-use"], "lookup.build");
  return { maxBytes: bound(options?.maxBytes ?? defaults.maxBytes, "lookup.maxBytes"), build };
}

/** Validates write-ahead log options and fills in defaults; `invalid_argument` names a bad option. */
export function resolveWal(options: WalOptions | boolean | undefined): WalLimits | null {
  if (options === undefined || options === false) return null;
  if (options === true) return resolveWal({});
  const defaults = DEFAULT_STORAGE_OPTIONS.wal;
  return {
    maxBytes: bound(options?.maxBytes ?? defaults.maxBytes, "wal.maxBytes"),
    maxAgeMs: nonNegative(options?.maxAgeMs, defaults.maxAgeMs, "wal.maxAgeMs"),
    maxUnplacedBytes: nonNegative(options?.maxUnplacedBytes, defaults.maxUnplacedBytes, "wal.maxUnplacedBytes"),
    preallocateBytes: nonNegative(options?.preallocateBytes, defaults.preallocateBytes, "wal.preallocateBytes"),
  };
}
