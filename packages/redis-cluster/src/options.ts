import type { LookupOptions, OperationRecorder, RetentionOptions } from "@reflex/core";
import { StoreError } from "@reflex/core";
import type { ShardReplicaChange, WhenReplicaLost } from "./shard-watch.ts";

/** How durable a write to the cluster is. */
export type RedisDurability =
  /** The shard's master applied it and at least one replica confirmed receiving it (WAIT 1), or the write fails. */
  | "replicated"
  /** The shard's master applied it; no replica is waited for. For pure caches. */
  | "atomic";

/** Options of {@link RedisClusterStore.open}. */
export interface RedisClusterOptions {
  /** Seed nodes: `host:port` strings, or one comma-separated string (`--redis-cluster`). */
  readonly nodes: string | readonly string[];
  /** Key namespace: every key of this store lives under it (see layout.ts). Default `"reflex"`. */
  readonly namespace?: string;
  /** Buckets per tenant (K), used when the namespace is new; an existing one keeps its own. Default 16. */
  readonly buckets?: number;
  /** Default durability of writes. Default `"replicated"`. */
  readonly durability?: RedisDurability;
  /** How long a replicated write waits for a replica (WAIT's timeout), in ms. Default 1000. */
  readonly replicaWaitMs?: number;
  /**
   * What a replicated write does on a shard with no online replica (its master died and the
   * promoted replica has none yet, or its replicas are down): `"refuse"` it with `degraded`,
   * nothing written (the default: an acknowledged write always means "on two nodes"), or
   * `"accept"` it on the master alone, with the weaker promise stated on the result
   * (`StoredEntryHandle.weakerDurability === "master-only"`). Either way the full promise is
   * back by itself once the shard has an online replica again. See RELIABILITY.md.
   */
  readonly whenReplicaLost?: WhenReplicaLost;
  /** Told when a write finds a shard without an online replica, and when a later one finds one again. Default none. */
  readonly onReplicaChange?: (change: ShardReplicaChange) => void;
  /** A command with no reply after this long fails (reads: `storage_unavailable`, writes: `outcome_unknown`), in ms. Default 3000. */
  readonly commandTimeoutMs?: number;
  /** Connections per node for writes (each blocks only its own writes while it WAITs). Default 4. */
  readonly writeConnections?: number;
  /**
   * Retention, in the shape `NvmeStorage` takes: `defaultTtlSeconds` (0: forever; default 0).
   * Size bounds are Redis' `maxmemory`: any of them is `invalid_argument`.
   */
  readonly retention?: RetentionOptions;
  /** How often expired entries are swept from the indexes and live stats refreshed, in ms; 0: never. Default 60 s. */
  readonly sweepIntervalMs?: number;
  /** Receives every operation's duration, outcome and bytes. Default none. */
  readonly recorder?: OperationRecorder;
  /**
   * The lookup index of `search` / `findByContext`, in the shape `NvmeStorage` takes:
   * `maxBytes` (default 1 GiB). Its `build` does not apply: a tenant is built on its first lookup.
   */
  readonly lookup?: Pick<LookupOptions, "maxBytes">;
  /** Records each bucket's change log keeps (XADD MAXLEN ~ N): a server further behind rebuilds the tenant. Default 1000. */
  readonly changeLogLength?: number;
  /** How often a server reads the change logs of the tenants it has searched, in ms; 0: only before its own lookups. Default 100. */
  readonly changeLogPollMs?: number;
  /** A tenant no lookup used for this long is dropped from the index and no longer tailed (the next lookup builds it again), in ms; 0: never. Default 10 min. */
  readonly lookupIdleMs?: number;
}

/** {@link RedisClusterOptions} with every default filled in. */
export interface ResolvedRedisClusterOptions {
  readonly seeds: readonly { readonly host: string; readonly port: number }[];
  readonly namespace: string;
  readonly buckets: number | undefined;
  readonly durability: RedisDurability;
  readonly replicaWaitMs: number;
  readonly whenReplicaLost: WhenReplicaLost;
  readonly onReplicaChange: ((change: ShardReplicaChange) => void) | null;
  readonly commandTimeoutMs: number;
  readonly writeConnections: number;
  readonly defaultTtlSeconds: number;
  readonly sweepIntervalMs: number;
  readonly recorder: OperationRecorder | null;
  readonly lookupMaxBytes: number;
  readonly changeLogLength: number;
  readonly changeLogPollMs: number;
  readonly lookupIdleMs: number;
}

/** The default buckets per tenant of a new namespace. */
export const DEFAULT_BUCKETS = 16;

function invalid(message: string): StoreError {
  return new StoreError("invalid_argument", message);
}

function integer(value: number | undefined, fallback: number, min: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) throw invalid(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

/**
 * Parses seed nodes: `"127.0.0.1:7000,127.0.0.1:7001"` or a list of `host:port`.
 * Throws `invalid_argument` naming the bad one.
 */
export function parseSeeds(nodes: string | readonly string[]): { host: string; port: number }[] {
  const list = typeof nodes === "string" ? nodes.split(",") : [...nodes];
  const seeds = list
    .map((text) => text.trim())
    .filter((text) => text !== "")
    .map((text) => {
      const match = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(text);
      const port = Number(match?.[2]);
      if (match === null || port < 1 || port > 65535) {
        throw invalid(`redis cluster node must be HOST:PORT, got ${JSON.stringify(text)}`);
      }
      return { host: (match[1] as string).replace(/^\[|\]$/g, ""), port };
    });
  if (seeds.length === 0) throw invalid("redis cluster needs at least one HOST:PORT");
  return seeds;
}

/** Validates options and fills in defaults; throws `invalid_argument` naming a bad one. */
export function resolveRedisClusterOptions(options: RedisClusterOptions): ResolvedRedisClusterOptions {
  const namespace = options.namespace ?? "reflex";
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(namespace)) {
    throw invalid(`namespace must be 1-64 of [A-Za-z0-9_.-], got ${JSON.stringify(namespace)}`);
  }
  const durability = options.durability ?? "replicated";
  if (durability !== "replicated" && durability !== "atomic") {
    throw invalid(`durability must be "replicated" or "atomic", got ${JSON.stringify(durability)}`);
  }
  const replicaWaitMs = integer(options.replicaWaitMs, 1000, 1, "replicaWaitMs");
  const whenReplicaLost = options.whenReplicaLost ?? "refuse";
  if (whenReplicaLost !== "refuse" && whenReplicaLost !== "accept") {
    throw invalid(`whenReplicaLost must be "refuse" or "accept", got ${JSON.stringify(whenReplicaLost)}`);
  }
  const retention = options.retention ?? {};
  const bounds = (["maxBytes", "maxEntries", "tenantMaxBytes", "tenantMaxEntries"] as const).filter(
    (name) => retention[name] !== undefined,
  );
  if (bounds.length > 0) {
    throw invalid(
      `retention.${bounds.join(", retention.")}: size bounds are Redis' maxmemory on a cluster, not options`,
    );
  }
  return {
    seeds: parseSeeds(options.nodes),
    namespace,
    buckets: options.buckets === undefined ? undefined : integer(options.buckets, DEFAULT_BUCKETS, 1, "buckets"),
    durability,
    replicaWaitMs,
    whenReplicaLost,
    onReplicaChange: options.onReplicaChange ?? null,
    commandTimeoutMs: integer(options.commandTimeoutMs, Math.max(3000, replicaWaitMs + 1000), 1, "commandTimeoutMs"),
    writeConnections: integer(options.writeConnections, 4, 1, "writeConnections"),
    defaultTtlSeconds: integer(retention.defaultTtlSeconds, 0, 0, "retention.defaultTtlSeconds"),
    sweepIntervalMs: integer(options.sweepIntervalMs, 60_000, 0, "sweepIntervalMs"),
    recorder: options.recorder ?? null,
    lookupMaxBytes: integer(options.lookup?.maxBytes, 1024 * 1024 * 1024, 0, "lookup.maxBytes"),
    changeLogLength: integer(options.changeLogLength, 1000, 1, "changeLogLength"),
    changeLogPollMs: integer(options.changeLogPollMs, 100, 0, "changeLogPollMs"),
    lookupIdleMs: integer(options.lookupIdleMs, 600_000, 0, "lookupIdleMs"),
  };
}
