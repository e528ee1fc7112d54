import { type EntryStore, NvmeStorage } from "@reflex/core";
import { RedisClusterStore } from "@reflex/redis-cluster";
import type { GatewayConfig } from "./config.ts";

/** How the gateway names itself in the root's lock file. */
export const GATEWAY_LOCK_OWNER = "reflex gateway";

/**
 * The gateway's store: on the Redis Cluster of `config.redisCluster` (connected; every gateway
 * on it shares the cache), else under `config.root` (created when missing), holding the root's
 * writer lock: one writer per root, so a store server cannot write the same root meanwhile.
 *
 * @example const store = await openGatewayStore(config);
 */
export async function openGatewayStore(config: Pick<GatewayConfig, "root" | "redisCluster">): Promise<EntryStore> {
  if (config.redisCluster !== undefined) return RedisClusterStore.open({ nodes: config.redisCluster });
  const store = new NvmeStorage(config.root, { lockOwner: GATEWAY_LOCK_OWNER });
  store.ensureStoragePath();
  return store;
}
