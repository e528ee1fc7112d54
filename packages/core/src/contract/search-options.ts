import type { SearchOptions } from "./entry-store.ts";
import { checkId } from "./ids.ts";
import { StoreError } from "./store-error.ts";

/** Defaults of {@link SearchOptions}. */
export const DEFAULT_SEARCH_OPTIONS = { k: 1, minSimilarity: 0.9, exact: false } as const;
/** Most hits one search returns. */
export const MAX_SEARCH_K = 100;

/** {@link SearchOptions} resolved: every default filled in; `contextHash` only when the search is scoped. */
export type ResolvedSearchOptions = Required<Omit<SearchOptions, "contextHash">> & { readonly contextHash?: bigint };

/** Search options validated, with defaults filled in; `invalid_argument` names a bad one. */
export function resolveSearchOptions(options: SearchOptions = {}): ResolvedSearchOptions {
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
  if (options.contextHash === undefined) return { k, minSimilarity, exact };
  return { k, minSimilarity, exact, contextHash: checkId(options.contextHash, "context hash") };
}
