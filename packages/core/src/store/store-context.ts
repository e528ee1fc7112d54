import { resolve } from "node:path";
import { DirectorySyncer } from "../disk/directory-sync.ts";
import { fileLookupSource } from "../disk/index-fields.ts";
import type { ReadOptions } from "../disk/read-entry.ts";
import { RootLock } from "../disk/root-lock.ts";
import { TenantDirs } from "../disk/tenant-dirs.ts";
import type { WriteContext } from "../disk/write-entry.ts";
import { MappingBudget } from "../handle/loaded-file.ts";
import { Expiry } from "../ledger/expiry.ts";
import { HandleCache } from "../ledger/handle-cache.ts";
import { Ledger } from "../ledger/ledger.ts";
import { LiveStats, type PendingEntries } from "../ledger/live-stats.ts";
import { Reclaimer } from "../ledger/reclaim.ts";
import { Retention, type RetentionContext } from "../ledger/retention.ts";
import { LookupIndex } from "../lookup/lookup-index.ts";
import { sharedLog } from "../wal/shared-log.ts";
import type { WriteAheadLog } from "../wal/write-ahead-log.ts";
import { type NvmeStorageOptions, type ResolvedStoreOptions, resolveStoreOptions } from "./store-options.ts";

/**
 * Every part of one open store, shared by its operations through this one object
 * (no part calls back into the facade). The ledger is how parts hear of each other's
 * changes: the handle cache, live stats and the retention index subscribe to it.
 */
export interface StoreContext extends WriteContext, Omit<RetentionContext, "bounds"> {
  /** The absolute, normalised root. */
  readonly root: string;
  readonly options: ResolvedStoreOptions;
  readonly read: ReadOptions;
  readonly cache: HandleCache;
  readonly live: LiveStats;
  /** Null when nothing is bounded and there is no default TTL (or the store is read-only): no index is kept. */
  readonly retention: Retention | null;
  /** The root's writer lock; every write calls `lock.ensureWritable()` first. */
  readonly lock: RootLock;
  /** The index behind search and findByContext; null when the options turn it off. */
  readonly lookup: LookupIndex | null;
  /** The root's write-ahead log; null when the options turn it off or the store takes no lock. */
  readonly wal: WriteAheadLog | null;
  /** The log's writes not yet in place, for scans that count entries (undefined without a log). */
  readonly pending: PendingEntries | undefined;
}

/** Builds the parts of a store over `root` and wires them to one ledger. Starts no I/O but the index scan. */
export function openStoreContext(root: string, options: NvmeStorageOptions = {}): StoreContext {
  const resolved = resolveStoreOptions(options);
  const absoluteRoot = resolve(root);
  const ops = resolved.fileOps;
  const ledger = new Ledger();
  const syncer = new DirectorySyncer(ops);
  const lock = new RootLock(absoluteRoot, resolved.lockMode, resolved.lockOwner);
  const dirs = new TenantDirs(absoluteRoot, ops, syncer, ledger, lock);
  const expiry = new Expiry(dirs, resolved.clock, resolved.retention.defaultTtlSeconds);
  const recorder = resolved.recorder;
  const readOnly = resolved.lockMode === "read-only";
  const wal = resolved.wal === null ? null : sharedLog(absoluteRoot, ops, resolved.wal);
  const reclaimer = new Reclaimer({ root: absoluteRoot, ops, ledger, expiry, recorder, wal }, readOnly);
  const cache = new HandleCache(resolved.handleCache);
  const pending: PendingEntries | undefined = wal === null ? undefined : () => wal.unplaced.values();
  const live = new LiveStats(absoluteRoot, pending);
  const bounds = resolved.retention;
  const indexed = !readOnly && (bounds.bounded || bounds.defaultTtlSeconds > 0);
  const retention = indexed
    ? new Retention({ root: absoluteRoot, ops, ledger, expiry, recorder, bounds, reclaimer, wal })
    : null;
  const lookup =
    resolved.lookup === null
      ? null
      : new LookupIndex({ maxBytes: resolved.lookup.maxBytes }, fileLookupSource(absoluteRoot, wal?.unplaced ?? null));
  if (lookup !== null && resolved.lookup?.build === "open") void lookup.ready;
  ledger.subscribe(cache);
  ledger.subscribe(live);
  if (lookup !== null) ledger.subscribe(lookup);
  // Retention evicts because of a write: every index must have heard of the write first.
  if (retention !== null) ledger.subscribe(retention, "policy");
  return {
    root: absoluteRoot,
    options: resolved,
    ops,
    syncer,
    dirs,
    ledger,
    expiry,
    recorder,
    reclaimer,
    read: { budget: new MappingBudget(resolved.maxMappings), mmapThresholdBytes: resolved.mmapThresholdBytes },
    cache,
    live,
    retention,
    lock,
    lookup,
    wal,
    pending,
  };
}
