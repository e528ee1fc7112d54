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
  ListPage,
  StorageStats,
  StoreOptions,
  VerifyOptions,
  VerifyProblem,
  VerifyReport,
  WalkProgress,
} from "./entry-store.ts";
export { type FileOps, nodeFileOps } from "./file-ops.ts";
export type { HandleCacheLimits } from "./handle-cache.ts";
export { ENTRY_EXTENSION, TEMP_EXTENSION } from "./layout.ts";
export type { StorageUsage, TenantUsage } from "./live-stats.ts";
export {
  DEFAULT_STORAGE_OPTIONS,
  type EvictionReason,
  type GcReport,
  NvmeStorage,
  type NvmeStorageOptions,
  type RetentionStats,
} from "./nvme-storage.ts";
export type { OperationRecorder, StoreOperation } from "./operation-recorder.ts";
export type { RetentionOptions } from "./retention-options.ts";
export { isStoreError, StoreError, type StoreErrorCode } from "./store-error.ts";
export type { SweepResult } from "./temp-sweep.ts";
