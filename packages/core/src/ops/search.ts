import type { SearchOptions, SearchResult } from "../contract/entry-store.ts";
import { checkId } from "../contract/ids.ts";
import { resolveSearchOptions } from "../contract/search-options.ts";
import { StoreError } from "../contract/store-error.ts";
import { unitQuery } from "../lookup/f16.ts";
import type { IndexedEntry } from "../lookup/indexed-entry.ts";
import type { LookupIndex } from "../lookup/lookup-index.ts";
import type { StoreContext } from "../store/store-context.ts";

/** The store's lookup index, or `unsupported` when its options turned it off. */
export function lookupIndexOf(context: StoreContext): LookupIndex {
  if (context.lookup === null) {
    throw new StoreError("unsupported", "this store was opened with lookup: false; search and findByContext are off");
  }
  return context.lookup;
}

/**
 * What a load would return: an expired entry is not (and is queued for removal, as
 * a load that met it would). One clock read per lookup.
 */
export function admitLive(context: StoreContext, tenantId: bigint): (entry: IndexedEntry) => boolean {
  const now = context.expiry.nowSeconds();
  return (entry) => {
    if (entry.expiresAt === 0n || entry.expiresAt > now) return true;
    context.reclaimer.queue(tenantId, entry.entryId);
    return false;
  };
}

/** What a load would return, judged by the index's record alone (no side effects): for `nearest`. */
export function liveAt(nowSeconds: bigint): (entry: IndexedEntry) => boolean {
  return (entry) => entry.expiresAt === 0n || entry.expiresAt > nowSeconds;
}

/**
 * The entries of a tenant nearest to `embedding` by cosine, optionally within one context
 * hash, and the best similarity seen (see `EntryStore.searchWithNearest`). Waits for the
 * index to be built from the entry files when the store has just opened.
 */
export async function searchEntries(
  context: StoreContext,
  tenantId: bigint,
  embedding: Uint8Array,
  options?: SearchOptions,
): Promise<SearchResult> {
  checkId(tenantId, "tenant id");
  const query = resolveSearchOptions(options);
  const unit = unitQuery(embedding);
  const index = lookupIndexOf(context);
  await index.ready;
  index.checkComplete(tenantId);
  const filters = { admit: admitLive(context, tenantId), live: liveAt(context.expiry.nowSeconds()) };
  const { hits, nearest } = index.searchWithNearest(tenantId, unit, query, filters);
  return {
    hits: hits.map(({ entry, similarity }) => ({
      entryId: entry.entryId,
      similarity,
      timestamp: entry.timestamp,
      contextHash: entry.contextHash,
    })),
    nearest,
  };
}
