import type { ParseArgsOptionsConfig } from "node:util";
import type { RetentionOptions } from "@reflex/core";
import type { WhenReplicaLost } from "@reflex/redis-cluster";
import { ConfigError } from "./config-error.ts";

/** `parseArgs` options of the Redis Cluster backend: its change logs and its shards without a replica (`--<flag>`, else `REFLEX_<FLAG>`). */
export const CHANGE_LOG_OPTIONS = {
  "change-log-length": { type: "string" },
  "change-log-poll-ms": { type: "string" },
  "redis-when-replica-lost": { type: "string" },
} as const satisfies ParseArgsOptionsConfig;

/** The server's `--help` lines of the options above. */
export const CLUSTER_USAGE = `  --change-log-length N       REFLEX_CHANGE_LOG_LENGTH    Redis Cluster: records each change log keeps (default
                              1000; a server away for more rebuilds the tenant's index)
  --change-log-poll-ms MS     REFLEX_CHANGE_LOG_POLL_MS   Redis Cluster: how often the change logs of searched
                              tenants are read (default 100; 0 = only before this server's own lookups)
  --redis-when-replica-lost refuse|accept   REFLEX_REDIS_WHEN_REPLICA_LOST
                              Redis Cluster: a write to a shard with no online replica (its master died and
                              the promoted replica has none yet) is refused with 503 degraded (refuse, the
                              default), or stored on the master alone (accept): answered with the header
                              X-Reflex-Durability: master-only and "durability": "master-only", counted in
                              reflex_cluster_master_only_writes_total, lost if that master dies before a new
                              replica has synced. Both return to replicated writes by themselves.
`;

/** How a server on a Redis Cluster keeps and reads the change logs; absent: the store's defaults. */
export interface ChangeLogConfig {
  /** Records each bucket's change log keeps (about): a server away for more rebuilds the tenant. */
  readonly changeLogLength?: number;
  /** How often the change logs of the tenants this server searches are read, in ms; 0: only before its own lookups. */
  readonly changeLogPollMs?: number;
}

/** A flag's or env variable's text and its name for messages; undefined when neither is set. */
export type ReadSetting = (flagName: string, envName: string) => { text: string; what: string } | undefined;

function integer(setting: { text: string; what: string } | undefined, min: number, max: number): number | undefined {
  if (setting === undefined) return undefined;
  const { text, what } = setting;
  if (!/^\d{1,9}$/.test(text.trim()) || Number(text) < min || Number(text) > max) {
    throw new ConfigError(`${what} must be an integer in [${min}, ${max}], got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/**
 * `--change-log-length` (1..10^8) and `--change-log-poll-ms` (0..3,600,000), each else its
 * `REFLEX_` variable; refused without `--redis-cluster` (a store on files has no change log).
 */
export function changeLogConfig(read: ReadSetting, onCluster: boolean): ChangeLogConfig {
  const length = read("change-log-length", "REFLEX_CHANGE_LOG_LENGTH");
  const poll = read("change-log-poll-ms", "REFLEX_CHANGE_LOG_POLL_MS");
  if (!onCluster && (length ?? poll) !== undefined) {
    throw new ConfigError(`${(length ?? poll)?.what} applies to a store on a Redis Cluster only (--redis-cluster)`);
  }
  const changeLogLength = integer(length, 1, 100_000_000);
  const changeLogPollMs = integer(poll, 0, 3_600_000);
  return {
    ...(changeLogLength === undefined ? {} : { changeLogLength }),
    ...(changeLogPollMs === undefined ? {} : { changeLogPollMs }),
  };
}

/**
 * `--redis-when-replica-lost` (else `REFLEX_REDIS_WHEN_REPLICA_LOST`): `refuse` or `accept`;
 * undefined when neither is given (the store's default, refuse). Refused without `--redis-cluster`.
 */
export function whenReplicaLostConfig(read: ReadSetting, onCluster: boolean): WhenReplicaLost | undefined {
  const setting = read("redis-when-replica-lost", "REFLEX_REDIS_WHEN_REPLICA_LOST");
  if (setting === undefined) return undefined;
  if (!onCluster) throw new ConfigError(`${setting.what} applies to a store on a Redis Cluster only (--redis-cluster)`);
  const value = setting.text.trim().toLowerCase();
  if (value !== "refuse" && value !== "accept") {
    throw new ConfigError(`${setting.what} must be refuse or accept, got ${JSON.stringify(setting.text)}`);
  }
  return value;
}

/** The cluster settings of a server's config, ready to spread into it (only those given). */
export interface ClusterSettings {
  readonly changeLog?: ChangeLogConfig;
  readonly whenReplicaLost?: WhenReplicaLost;
}

/** {@link changeLogConfig} and {@link whenReplicaLostConfig} together, leaving out what was not given. */
export function clusterSettings(read: ReadSetting, onCluster: boolean): ClusterSettings {
  const changeLog = changeLogConfig(read, onCluster);
  const whenReplicaLost = whenReplicaLostConfig(read, onCluster);
  return {
    ...(Object.keys(changeLog).length === 0 ? {} : { changeLog }),
    ...(whenReplicaLost === undefined ? {} : { whenReplicaLost }),
  };
}

/** A Redis Cluster store keeps no size bounds of its own (Redis' `maxmemory` is the bound): refuse them. */
export function checkClusterRetention(retention: RetentionOptions): void {
  const bounds = ["maxBytes", "maxEntries", "tenantMaxBytes", "tenantMaxEntries"] as const;
  const given = bounds.filter((name) => retention[name] !== undefined);
  if (given.length > 0) {
    throw new ConfigError(
      `size bounds (${given.join(", ")}) are not offered on a Redis Cluster: bound it with Redis maxmemory ` +
        "and maxmemory-policy noeviction (writes past it answer 503 storage_unavailable)",
    );
  }
}
