/**
 * `@reflex/core/lookup`: the in-memory index behind `search` and `findByContext`, for any
 * backend. It touches no file: a backend fills it through the ledger methods (`written`,
 * `removed`, `vanished`, `tenantRemoved`) and, optionally, a build source.
 *
 * @example
 * import { LookupIndex, unitQuery } from "@reflex/core/lookup";
 * const index = new LookupIndex({ maxBytes: 64 << 20 });
 */
export { checkEmbeddingLength, unitQuery } from "./f16.ts";
export type { IndexedEntry } from "./indexed-entry.ts";
export { LookupIndex, type LookupIndexOptions, type LookupStats } from "./lookup-index.ts";
export type { IndexQuery, IndexSearchResult, ScanFilters } from "./lookup-scan.ts";
export type { ScoredEntry } from "./top-hits.ts";
