/**
 * `@reflex/core`: the Reflex store engine.
 *
 * @example
 * import { NvmeStorage } from "@reflex/core";
 * const store = new NvmeStorage("./reflex-data");
 * await store.store(42n, { tenantId: 1n, contextHash: 7n, timestamp: 1700000000n,
 *   embedding: new Uint8Array(0), payloadBlob: new TextEncoder().encode("hi") });
 * const handle = await store.load(42n, 1n);
 * handle.payloadBlob; // zero-copy view, valid until handle.release()
 * handle.release();
 */
export { type EntryFields, parseU64, U64_MAX } from "@reflex/codec";
export type {
  Durability,
  EntryStore,
  EvictionReason,
  GcReport,
  ListPage,
  LoadManyResult,
  RetentionStats,
  SearchHit,
  SearchOptions,
  StorageStats,
  StorageUsage,
  StoreOptions,
  TenantDeletionOptions,
  TenantUsage,
  VerifyOptions,
  VerifyProblem,
  VerifyReport,
  WalkProgress,
} from "./contract/entry-store.ts";
export type { OperationRecorder, StoreOperation } from "./contract/operation-recorder.ts";
export {
  errnoOf,
  isStoreError,
  type LockHolderInfo,
  rethrowCodecError,
  StoreError,
  type StoreErrorCode,
} from "./contract/store-error.ts";
export { type FileOps, nodeFileOps } from "./disk/file-ops.ts";
export { DEFAULT_ROOT, ENTRY_EXTENSION } from "./disk/layout.ts";
export { readLockHolder } from "./disk/root-lock.ts";
export { type EntryFileRef, entryFiles, type WalkMode } from "./disk/root-walk.ts";
export type { SweepResult } from "./disk/temp-sweep.ts";
export { EntryHandle, StoredEntryHandle } from "./handle/entry-handle.ts";
export { envelopeHandle, storedEnvelopeHandle } from "./handle/envelope-handle.ts";
export type { FileCacheLimits } from "./ledger/handle-cache.ts";
export type { LedgerSubscriber, RemovalCause, RemovedEntry, WrittenEntry } from "./ledger/ledger.ts";
export { checkEmbeddingLength, unitQuery } from "./lookup/f16.ts";
export type { IndexedEntry } from "./lookup/indexed-entry.ts";
export { LookupIndex, type LookupIndexOptions, type LookupStats } from "./lookup/lookup-index.ts";
export type { ScoredEntry } from "./lookup/top-hits.ts";
export type { GcOptions } from "./ops/gc.ts";
export { DEFAULT_SEARCH_OPTIONS, MAX_SEARCH_K, resolveSearchOptions } from "./ops/search.ts";
export { NvmeStorage } from "./store/nvme-storage.ts";
export type { LookupOptions, NvmeStorageOptions, RetentionOptions } from "./store/store-options.ts";
export { timed } from "./store/timed.ts";
