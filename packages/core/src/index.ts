/**
 * `@reflex/core`: the Reflex store engine, the API an application programs against.
 * A second backend takes its building blocks from `@reflex/core/backend` and
 * `@reflex/core/lookup`; tests take the fault seam from `@reflex/core/testing` and the
 * contract suite from `@reflex/core/contract`.
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
  SearchResult,
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
export { DEFAULT_SEARCH_OPTIONS, MAX_SEARCH_K } from "./contract/search-options.ts";
export {
  errnoOf,
  isStoreError,
  type LockHolderInfo,
  StoreError,
  type StoreErrorCode,
} from "./contract/store-error.ts";
export { DEFAULT_ROOT, ENTRY_EXTENSION } from "./disk/layout.ts";
export { readLockHolder } from "./disk/root-lock.ts";
export type { SweepResult } from "./disk/temp-sweep.ts";
export { EntryHandle, StoredEntryHandle, type WeakerDurability } from "./handle/entry-handle.ts";
export type { HandleCacheLimits } from "./ledger/handle-cache.ts";
export type { LookupStats } from "./lookup/lookup-index.ts";
export type { GcOptions } from "./ops/gc.ts";
export { NvmeStorage } from "./store/nvme-storage.ts";
export type { LookupOptions, NvmeStorageOptions, RetentionOptions } from "./store/store-options.ts";
