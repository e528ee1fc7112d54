import type { LoadManyResult } from "../contract/entry-store.ts";
import { checkId } from "../contract/ids.ts";
import { isStoreError, StoreError } from "../contract/store-error.ts";
import type { EntryHandle } from "../handle/entry-handle.ts";
import type { StoreContext } from "../store/store-context.ts";
import { loadEntry } from "./load.ts";

/**
 * Loads several entries of one tenant on this thread: handles in the order the ids
 * were asked for (a repeated id gives a handle each time), and the ids with no live
 * entry. Every id is checked before anything is loaded, so a bad one is an
 * `invalid_argument` naming it; a damaged entry fails the whole call as `corrupt`
 * (as `load` does), releasing the handles taken so far.
 */
export function loadMany(context: StoreContext, tenantId: bigint, ids: readonly bigint[]): LoadManyResult {
  checkId(tenantId, "tenant id");
  if (!Array.isArray(ids)) throw new StoreError("invalid_argument", "ids must be an array of u64 bigints");
  for (const [i, id] of ids.entries()) checkId(id, `ids[${i}]`);
  const entries: EntryHandle[] = [];
  const missing: bigint[] = [];
  try {
    for (const id of ids) {
      try {
        entries.push(loadEntry(context, id, tenantId));
      } catch (error) {
        if (!isStoreError(error, "not_found")) throw error;
        missing.push(id);
      }
    }
  } catch (error) {
    for (const handle of entries) handle.release();
    throw error;
  }
  return { entries, missing };
}
