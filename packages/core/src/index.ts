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
export { EntryHandle, StoredEntryHandle } from "./entry-handle.ts";
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
} from "./entry-store.ts";
export { envelopeHandle, storedEnvelopeHandle } from "./envelope-handle.ts";
export { checkEmbeddingLength, unitQuery } from "./f16.ts";
export type { FileCacheLimits } from "./file-cache.ts";
export { type FileOps, nodeFileOps } from "./file-ops.ts";
export type { GcOptions } from "./gc.ts";
export type { IndexedEntry } from "./indexed-entry.ts";
export { DEFAULT_ROOT, ENTRY_EXTENSION } from "./layout.ts";
export type { LedgerSubscriber, RemovalCause, RemovedEntry, WrittenEntry } from "./ledger.ts";
export { LookupIndex, type LookupIndexOptions, type LookupStats } from "./lookup-index.ts";
export { NvmeStorage } from "./nvme-storage.ts";
export type { OperationRecorder, StoreOperation } from "./operation-recorder.ts";
export { readLockHolder } from "./root-lock.ts";
export { type EntryFileRef, entryFiles, type WalkMode } from "./root-walk.ts";
export { DEFAULT_SEARCH_OPTIONS, MAX_SEARCH_K, resolveSearchOptions } from "./search-entries.ts";
export {
  errnoOf,
  isStoreError,
  type LockHolderInfo,
  rethrowCodecError,
  StoreError,
  type StoreErrorCode,
} from "./store-error.ts";
export type { LookupOptions, NvmeStorageOptions, RetentionOptions } from "./store-options.ts";
export type { SweepResult } from "./temp-sweep.ts";
export { timed } from "./timed.ts";
export type { ScoredEntry } from "./top-hits.ts";
