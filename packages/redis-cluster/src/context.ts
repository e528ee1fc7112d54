import { assertU64 } from "@reflex/codec";
import { type ListPage, rethrowCodecError, StoreError } from "@reflex/core";
import type { Clients } from "./clients.ts";
import type { NamespaceKeys } from "./layout.ts";
import type { LiveUsage } from "./live-usage.ts";
import type { ResolvedRedisClusterOptions } from "./options.ts";

/** What every operation of a {@link RedisClusterStore} shares, in one object. */
export interface ClusterContext {
  readonly options: ResolvedRedisClusterOptions;
  readonly clients: Clients;
  readonly keys: NamespaceKeys;
  /** Buckets per tenant (K), as recorded in the namespace's config key. */
  readonly buckets: number;
  readonly usage: LiveUsage;
  /** Tenants this client knows are in the tenant set (so a write adds its tenant once). */
  readonly knownTenants: Set<bigint>;
  /** Tenants this client changed since its lookup last read their change logs (read-your-writes). */
  readonly changed: Set<bigint>;
  /** Expired entries this client swept from the indexes. */
  expirations: number;
}

/** `value` as a u64 bigint; an `invalid_argument` store error naming `what` otherwise. */
export function checkId(value: unknown, what: string): bigint {
  try {
    return assertU64(value, what);
  } catch (error) {
    rethrowCodecError(error);
  }
}

/** The limit of a page (Infinity when absent); `invalid_argument` unless an integer >= 0. */
export function pageLimit(page: ListPage): number {
  const limit = page.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit >= 0) || !(Number.isInteger(limit) || limit === Number.POSITIVE_INFINITY)) {
    throw new StoreError("invalid_argument", `limit must be an integer >= 0, got ${limit}`);
  }
  return limit;
}

/** Now, in whole unix seconds. */
export function nowSeconds(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}
