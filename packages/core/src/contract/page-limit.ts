import type { ListPage } from "./entry-store.ts";
import { StoreError } from "./store-error.ts";

/** The limit of a page (Infinity when absent); `invalid_argument` unless an integer >= 0. */
export function pageLimit(page: ListPage): number {
  const limit = page.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit >= 0) || !(Number.isInteger(limit) || limit === Number.POSITIVE_INFINITY)) {
    throw new StoreError("invalid_argument", `limit must be an integer >= 0, got ${limit}`);
  }
  return limit;
}
