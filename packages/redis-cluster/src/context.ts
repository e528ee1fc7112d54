import type { Clients } from "./clients.ts";
import type { NamespaceKeys } from "./layout.ts";
import type { LiveUsage } from "./live-usage.ts";
import type { ResolvedRedisClusterOptions } from "./options.ts";
import type { ShardWatch } from "./shard-watch.ts";

/** What every operation of a {@link RedisClusterStore} shares, in one object. */
export interface ClusterContext {
  readonly options: ResolvedRedisClusterOptions;
  readonly clients: Clients;
  readonly keys: NamespaceKeys;
  /** Buckets per tenant (K), as recorded in the namespace's config key. */
  readonly buckets: number;
  readonly usage: LiveUsage;
  /** What this client's writes saw of each shard's replicas (see shard-watch.ts). */
  readonly shards: ShardWatch;
  /** Tenants this client knows are in the tenant set (so a write adds its tenant once). */
  readonly knownTenants: Set<bigint>;
  /** Tenants this client changed since its lookup last read their change logs (read-your-writes). */
  readonly changed: Set<bigint>;
  /** Expired entries this client swept from the indexes. */
  expirations: number;
}

/** Now, in whole unix seconds. */
export function nowSeconds(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}
