import type { EntryHandle, EntryStore } from "@reflex/core";

/** A store that can load on the calling thread, as `NvmeStorage.loadSync` does. */
interface LoadsSync {
  loadSync(id: bigint, tenantId: bigint): EntryHandle;
}

function loadsSync(store: EntryStore): store is EntryStore & LoadsSync {
  return typeof (store as Partial<LoadsSync>).loadSync === "function";
}

/**
 * `answer` applied to the loaded entry: on this thread when the store loads synchronously
 * (NvmeStorage: no promise and no microtask hop between the load and the answer), else
 * after the store's `load()`. A load error is thrown (sync) or rejected (async).
 */
export function withLoadedEntry<T>(
  store: EntryStore,
  entryId: bigint,
  tenantId: bigint,
  answer: (handle: EntryHandle) => T,
): T | Promise<T> {
  if (loadsSync(store)) return answer(store.loadSync(entryId, tenantId));
  return store.load(entryId, tenantId).then(answer);
}
