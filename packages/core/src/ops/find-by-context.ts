import { checkId } from "../contract/ids.ts";
import type { StoreContext } from "../store/store-context.ts";
import { admitLive, lookupIndexOf } from "./search.ts";

/**
 * Ids of a tenant's entries with `contextHash`, newest first (see
 * `EntryStore.findByContext`). Waits for the index when the store has just opened.
 */
export async function findByContext(context: StoreContext, tenantId: bigint, contextHash: bigint): Promise<bigint[]> {
  checkId(tenantId, "tenant id");
  checkId(contextHash, "context hash");
  const index = lookupIndexOf(context);
  await index.ready;
  index.checkComplete(tenantId);
  return index.byContext(tenantId, contextHash, admitLive(context, tenantId)).map((entry) => entry.entryId);
}
