import type {
  EntryFields,
  EntryHandle,
  EntryStore,
  ListPage,
  LoadManyResult,
  RetentionStats,
  SearchHit,
  SearchOptions,
  SearchResult,
  StorageStats,
  StorageUsage,
  StoredEntryHandle,
  StoreOptions,
  TenantDeletionOptions,
  VerifyOptions,
  VerifyReport,
} from "@reflex/core";
import { StoreError } from "@reflex/core";
import { timed } from "@reflex/core/backend";
import { Clients } from "./clients.ts";
import { ClusterLookup, type ClusterLookupStats } from "./cluster-lookup.ts";
import type { ClusterContext } from "./context.ts";
import { namespaceKeys } from "./layout.ts";
import { LiveUsage } from "./live-usage.ts";
import { DEFAULT_BUCKETS, type RedisClusterOptions, resolveRedisClusterOptions } from "./options.ts";
import { entryExists, listEntries, listTenants, loadEntry, loadManyEntries, usageOfAll } from "./read-ops.ts";
import { readError } from "./redis-errors.ts";
import { type ReplicaStats, ShardWatch } from "./shard-watch.ts";
import { deleteTenantEntries } from "./tenant-ops.ts";
import { verifyEntries } from "./verify-entries.ts";
import { deleteEntry, storeEntry, touchEntry } from "./write-ops.ts";

/** Layout version recorded in the config key. */
const LAYOUT_VERSION = "1";

/** Reads the namespace's K, recording `wanted` (or the default) when the namespace is new. */
async function recordedBuckets(clients: Clients, configKey: string, wanted: number | undefined): Promise<number> {
  let recorded: [string | null, string | null];
  try {
    await clients.writers[0]?.hsetnx(configKey, "buckets", String(wanted ?? DEFAULT_BUCKETS));
    await clients.writers[0]?.hsetnx(configKey, "version", LAYOUT_VERSION);
    recorded = (await clients.reader.hmget(configKey, "buckets", "version")) as [string | null, string | null];
  } catch (error) {
    throw readError(`reading ${configKey}`, error);
  }
  const buckets = Number(recorded[0]);
  if (recorded[1] !== LAYOUT_VERSION || !Number.isSafeInteger(buckets) || buckets < 1) {
    throw new StoreError(
      "corrupt",
      `${configKey} holds version ${recorded[1]}, buckets ${recorded[0]}: not this layout`,
    );
  }
  if (wanted !== undefined && wanted !== buckets) {
    throw new StoreError(
      "invalid_argument",
      `this namespace was created with ${buckets} buckets per tenant, not ${wanted}; changing it means rewriting every entry`,
    );
  }
  return buckets;
}

/**
 * The {@link EntryStore} contract on Redis Cluster, through ioredis `Cluster`. Values are
 * the very envelope bytes of `NvmeStorage`'s files (so loads verify them and an export
 * from one backend imports into the other); each tenant spreads over K hash-tagged buckets
 * with a sorted-set index each (see layout.ts). Open one with {@link RedisClusterStore.open}.
 *
 * What differs from files: durability is `"replicated"` (WAIT for a replica; with none online,
 * refused `degraded` or, under `whenReplicaLost: "accept"`, accepted on the master alone and
 * said so on the handle) or `"atomic"`; write failures whose outcome is not
 * known are `outcome_unknown`; `liveStats()` is this client's view (see LiveUsage);
 * `cleanupEmptyTenantDirs()` is `unsupported`; size bounds are Redis' `maxmemory`.
 *
 * @example
 * const store = await RedisClusterStore.open({ nodes: "127.0.0.1:7000,127.0.0.1:7001" });
 * await store.store(42n, entry);
 * const handle = await store.load(42n, entry.tenantId);
 * handle.release();
 * await store.quit();
 */
export class RedisClusterStore implements EntryStore {
  readonly #context: ClusterContext;
  readonly #timer: Timer | undefined;
  readonly #lookup: ClusterLookup;

  private constructor(context: ClusterContext) {
    this.#context = context;
    this.#lookup = new ClusterLookup(context);
    const interval = context.options.sweepIntervalMs;
    if (interval > 0) {
      this.#timer = setInterval(() => {
        this.stats().catch(() => {}); // a failed pass is repeated at the next tick
      }, interval);
      this.#timer.unref();
    }
  }

  /**
   * Connects to the cluster, reads (or, for a new namespace, records) K, and loads the live
   * counts. `storage_unavailable` when the cluster cannot be reached in `commandTimeoutMs`.
   */
  static async open(options: RedisClusterOptions): Promise<RedisClusterStore> {
    const resolved = resolveRedisClusterOptions(options);
    const clients = new Clients(resolved);
    try {
      await clients.ready(resolved.commandTimeoutMs);
      const keys = namespaceKeys(resolved.namespace);
      const buckets = await recordedBuckets(clients, keys.config, resolved.buckets);
      const context: ClusterContext = {
        options: resolved,
        clients,
        keys,
        buckets,
        usage: new LiveUsage(),
        shards: new ShardWatch(resolved.whenReplicaLost, resolved.onReplicaChange),
        knownTenants: new Set(),
        changed: new Set(),
        expirations: 0,
      };
      await context.shards.names.load(clients.reader);
      const store = new RedisClusterStore(context);
      await store.stats();
      return store;
    } catch (error) {
      clients.disconnect();
      throw error;
    }
  }

  /** `redis-cluster://<seeds>/<namespace>`: where the entries are, for messages. */
  get storagePath(): string {
    const { seeds, namespace } = this.#context.options;
    return `redis-cluster://${seeds.map((s) => `${s.host}:${s.port}`).join(",")}/${namespace}`;
  }

  /** Buckets per tenant (K) of this namespace. */
  get buckets(): number {
    return this.#context.buckets;
  }

  /** {@inheritDoc EntryStore.store} */
  store(id: bigint, entry: EntryFields, options?: StoreOptions): Promise<StoredEntryHandle> {
    return timed(
      this.#context.options.recorder,
      "store",
      () => storeEntry(this.#context, id, entry, options),
      (handle) => handle.fileBytes,
    );
  }

  /** {@inheritDoc EntryStore.load} */
  load(id: bigint, tenantId: bigint): Promise<EntryHandle> {
    return timed(
      this.#context.options.recorder,
      "load",
      () => loadEntry(this.#context, id, tenantId),
      (handle) => handle.fileBytes,
    );
  }

  /** {@inheritDoc EntryStore.loadMany} */
  loadMany(tenantId: bigint, ids: readonly bigint[]): Promise<LoadManyResult> {
    return timed(
      this.#context.options.recorder,
      "load_many",
      () => loadManyEntries(this.#context, tenantId, ids),
      (result) => result.entries.reduce((sum, handle) => sum + handle.fileBytes, 0),
    );
  }

  /** {@inheritDoc EntryStore.delete} */
  delete(id: bigint, tenantId: bigint): Promise<void> {
    return timed(this.#context.options.recorder, "delete", () => deleteEntry(this.#context, id, tenantId));
  }

  /** {@inheritDoc EntryStore.touch} A read and a whole write of the entry, guarded against a concurrent write. */
  touch(id: bigint, tenantId: bigint, ttlSeconds: number): Promise<bigint> {
    return timed(this.#context.options.recorder, "touch", () => touchEntry(this.#context, id, tenantId, ttlSeconds));
  }

  /**
   * {@inheritDoc EntryStore.deleteTenant} On the cluster the tenant's buckets are emptied
   * one after another, not all at once (see tenant-ops.ts); a retry after a failure finishes it.
   */
  deleteTenant(tenantId: bigint, options?: TenantDeletionOptions): Promise<number> {
    return timed(this.#context.options.recorder, "delete_tenant", () =>
      deleteTenantEntries(this.#context, tenantId, options),
    );
  }

  /**
   * {@inheritDoc EntryStore.search} The first search of a tenant builds its index from the
   * cluster (see cluster-lookup.ts); every hit is re-checked against the cluster before it is answered.
   */
  async search(tenantId: bigint, embedding: Uint8Array, options?: SearchOptions): Promise<SearchHit[]> {
    return (await this.searchWithNearest(tenantId, embedding, options)).hits;
  }

  /** {@inheritDoc EntryStore.searchWithNearest} Built and re-checked as {@link search}. */
  searchWithNearest(tenantId: bigint, embedding: Uint8Array, options?: SearchOptions): Promise<SearchResult> {
    return timed(this.#context.options.recorder, "search", () => this.#lookup.search(tenantId, embedding, options));
  }

  /** {@inheritDoc EntryStore.findByContext} Built and re-checked as {@link search}. */
  findByContext(tenantId: bigint, contextHash: bigint): Promise<bigint[]> {
    return timed(this.#context.options.recorder, "find_by_context", () =>
      this.#lookup.findByContext(tenantId, contextHash),
    );
  }

  /** Figures of the lookup: tenants tailed, builds, re-check refusals, index size. */
  lookupStats(): ClusterLookupStats {
    return this.#lookup.stats();
  }

  /**
   * What this client's writes saw of the shards' replicas: writes accepted on a master alone,
   * writes refused for want of a replica, and the shards last seen without one.
   */
  replicaStats(): ReplicaStats {
    return this.#context.shards.stats();
  }

  /** {@inheritDoc EntryStore.exists} */
  exists(id: bigint, tenantId: bigint): Promise<boolean> {
    return timed(this.#context.options.recorder, "exists", () => entryExists(this.#context, id, tenantId));
  }

  /** {@inheritDoc EntryStore.listEntries} */
  listEntries(tenantId: bigint, page?: ListPage): Promise<bigint[]> {
    return timed(this.#context.options.recorder, "list_entries", () => listEntries(this.#context, tenantId, page));
  }

  /** {@inheritDoc EntryStore.listTenants} */
  listTenants(): Promise<bigint[]> {
    return timed(this.#context.options.recorder, "list_tenants", () => listTenants(this.#context));
  }

  /** `unsupported`: a tenant stays in the tenant set once written (as an emptied tenant directory would). */
  cleanupEmptyTenantDirs(): Promise<number> {
    return Promise.reject(
      new StoreError("unsupported", "cleanup has nothing to remove on Redis Cluster: there are no tenant directories"),
    );
  }

  /** Exact counts from the buckets' usage hashes (after sweeping expired entries); refreshes `liveStats()`. */
  stats(): Promise<StorageStats> {
    return timed(this.#context.options.recorder, "stats", async () => {
      const perTenant = await usageOfAll(this.#context);
      this.#context.usage.replace(perTenant);
      const { tenantCount, entryCount, totalBytes } = this.#context.usage.snapshot();
      return { tenantCount, entryCount, totalBytes };
    });
  }

  /** This client's view of the counts: exact after `stats()`, moved by its own writes since. */
  liveStats(): StorageUsage {
    return this.#context.usage.snapshot();
  }

  /** The default TTL and the expired entries this client swept; no size bounds (see Redis' `maxmemory`). */
  retentionStats(): RetentionStats {
    return {
      bounds: {
        defaultTtlSeconds: this.#context.options.defaultTtlSeconds,
        maxBytes: null,
        maxEntries: null,
        tenantMaxBytes: null,
        tenantMaxEntries: null,
      },
      indexReady: true,
      evictions: { tenant_entries: 0, tenant_bytes: 0, root_entries: 0, root_bytes: 0 },
      expirations: this.#context.expirations,
    };
  }

  /** {@inheritDoc EntryStore.verify} */
  verify(options?: VerifyOptions): Promise<VerifyReport> {
    return timed(this.#context.options.recorder, "verify", () => verifyEntries(this.#context, options));
  }

  /** Closes every connection at once (in-flight commands fail). */
  close(): void {
    clearInterval(this.#timer);
    this.#lookup.close();
    this.#context.clients.disconnect();
  }

  /** Closes every connection after the replies already asked for. */
  async quit(): Promise<void> {
    clearInterval(this.#timer);
    this.#lookup.close();
    await this.#context.clients.quit();
  }
}
