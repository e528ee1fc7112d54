import type { SearchHit, SearchOptions } from "../contract/entry-store.ts";
import { checkId } from "../contract/ids.ts";
import { StoreError } from "../contract/store-error.ts";
import { unitQuery } from "../lookup/f16.ts";
import type { IndexedEntry } from "../lookup/indexed-entry.ts";
import type { LookupIndex } from "../lookup/lookup-index.ts";
import type { StoreContext } from "../store/store-context.ts";

/** Defaults of {@link SearchOptions}. */
export const DEFAULT_SEARCH_OPTIONS = { k: 1, minSimilarity: 0.9, exact: false } as const;
/** Most hits one search returns. */
export const MAX_SEARCH_K = 100;

/** Search options validated, with defaults filled in; `invalid_argument` names a bad one. */
export function resolveSearchOptions(options: SearchOptions = {}): Required<SearchOptions> {
  const k = options.k ?? DEFAULT_SEARCH_OPTIONS.k;
  const minSimilarity = options.minSimilarity ?? DEFAULT_SEARCH_OPTIONS.minSimilarity;
  const exact = options.exact ?? DEFAULT_SEARCH_OPTIONS.exact;
  if (!Number.isInteger(k) || k < 1 || k > MAX_SEARCH_K) {
    throw new StoreError("invalid_argument", `k must be an integer from 1 to ${MAX_SEARCH_K}, got ${k}`);
  }
  if (typeof minSimilarity !== "number" || !(minSimilarity >= -1 && minSimilarity <= 1)) {
    throw new StoreError("invalid_argument", `minSimilarity must be a number from -1 to 1, got ${minSimilarity}`);
  }
  if (typeof exact !== "boolean") throw new StoreError("invalid_argument", `exact must be a boolean, got ${exact}`);
  return { k, minSimilarity, exact };
}

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

/**
 * The entries of a tenant nearest to `embedding` by cosine (see `EntryStore.search`).
 * Waits for the index to be built from the entry files when the store has just opened.
 */
export async function searchEntries(
  context: StoreContext,
  tenantId: bigint,
  embedding: Uint8Array,
  options?: SearchOptions,
): Promise<SearchHit[]> {
  checkId(tenantId, "tenant id");
  const { k, minSimilarity, exact } = resolveSearchOptions(options);
  const unit = unitQuery(embedding);
  const index = lookupIndexOf(context);
  await index.ready;
  index.checkComplete();
  const found = index.search(tenantId, unit, k, minSimilarity, exact, admitLive(context, tenantId));
  return found.map(({ entry, similarity }) => ({
    entryId: entry.entryId,
    similarity,
    timestamp: entry.timestamp,
    contextHash: entry.contextHash,
  }));
}
