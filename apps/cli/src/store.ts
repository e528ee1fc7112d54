import { accessSync, constants, statSync } from "node:fs";
import { resolve } from "node:path";
import { type EntryStore, errnoOf, NvmeStorage, type RetentionOptions, StoreError } from "@reflex/core";
import { RedisClusterStore } from "@reflex/redis-cluster";
import type { CommandArgs } from "./args.ts";

/** How a command uses the store. */
export interface OpenOptions {
  /**
   * The command writes: take the root's writer lock (`locked`, exit 3, while a server or
   * another writing command holds it), named `reflex <command>` in the lock file. Without
   * it the store opens read-only: no lock, so it works beside a running server.
   */
  readonly write?: string;
  /** Create the root when it is missing (commands that write). Default false. */
  readonly create?: boolean;
  /** Sweep stale temp files on open (commands that modify the store). Default false. */
  readonly sweep?: boolean;
  /** Retention bounds and default TTL (`gc` and `put` pass them; on a cluster only the TTL applies). */
  readonly retention?: RetentionOptions;
  /** Largest entry file one write may make (`put`, from `REFLEX_MAX_ENTRY_BYTES`). */
  readonly maxEntryBytes?: number;
}

function reasonOf(error: unknown): string {
  return errnoOf(error) ?? String(error);
}

/**
 * Opens the store at `root` for one command. A root that exists but is not a
 * readable directory is a `storage_unavailable` error (exit 3) rather than an
 * empty store; a missing root reads as an empty store, and is created only when
 * `create`. The handle cache is off: a CLI process loads each entry once.
 * The lookup index is built on first use (only `search` and `ls --context-hash`
 * need it), not at open. Durability is the default, `fsync`. Read-only unless `write`
 * names the command.
 */
export function openStore(root: string, options: OpenOptions = {}): NvmeStorage {
  const absolute = resolve(root);
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(absolute, { throwIfNoEntry: false });
  } catch (error) {
    throw new StoreError("storage_unavailable", `cannot open storage root ${absolute}: ${reasonOf(error)}`, {
      cause: error,
      errno: errnoOf(error),
    });
  }
  if (stat !== undefined) {
    if (!stat.isDirectory()) {
      throw new StoreError("storage_unavailable", `storage root ${absolute} is not a directory`);
    }
    try {
      accessSync(absolute, constants.R_OK | constants.X_OK);
    } catch (error) {
      throw new StoreError("storage_unavailable", `cannot read storage root ${absolute}: ${reasonOf(error)}`, {
        cause: error,
        errno: errnoOf(error),
      });
    }
  }
  const writing = options.write !== undefined;
  const store = new NvmeStorage(absolute, {
    handleCache: { maxEntries: 0 },
    sweepTempFiles: writing && options.sweep === true,
    ...(writing ? { lockOwner: `reflex ${options.write}` } : { readOnly: true }),
    lookup: { build: "first-use" },
    ...(options.retention === undefined ? {} : { retention: options.retention }),
    ...(options.maxEntryBytes === undefined ? {} : { maxEntryBytes: options.maxEntryBytes }),
  });
  if (options.create === true) store.ensureStoragePath();
  if (writing) fileStores.add(store);
  return store;
}

/** Writing stores on files, closed by {@link closeCommandStores}: a store keeping a write-ahead log puts its writes in place then. */
const fileStores = new Set<NvmeStorage>();

/** Closes a store on files now, before the command's reply (once: {@link closeCommandStores} then skips it); a cluster store waits for that. */
export function closeFileStoreNow(store: EntryStore): void {
  if (!(store instanceof NvmeStorage)) return;
  fileStores.delete(store);
  store.close();
}

/** Throws `not_found` (exit 1) unless the store knows the tenant (a tenant directory, or the cluster's tenant set). */
export async function assertTenantExists(store: EntryStore, tenantId: bigint): Promise<void> {
  if (store instanceof NvmeStorage) {
    const stat = statSync(resolve(store.storagePath, tenantId.toString()), { throwIfNoEntry: false });
    if (stat?.isDirectory() === true) return;
  } else if ((await store.listTenants()).includes(tenantId)) return;
  throw new StoreError("not_found", `tenant ${tenantId} not found`);
}

const clusterStores = new Set<RedisClusterStore>();

/**
 * The store a command works on: on the Redis Cluster of `--redis-cluster` (or
 * `REFLEX_REDIS_CLUSTER`, with `--redis-when-replica-lost`), else the files under the root
 * ({@link openStore}). Cluster connections are closed by {@link closeCommandStores} once the command is done.
 */
export async function openCommandStore(parsed: CommandArgs, options: OpenOptions = {}): Promise<EntryStore> {
  const nodes = parsed.redisCluster;
  const whenReplicaLost = parsed.whenReplicaLost; // checked on files too: the flag is a usage error there
  if (nodes === undefined) return openStore(parsed.root, options);
  const ttl = options.retention?.defaultTtlSeconds;
  const store = await RedisClusterStore.open({
    nodes,
    sweepIntervalMs: 0,
    writeConnections: 1,
    ...(ttl === undefined ? {} : { retention: { defaultTtlSeconds: ttl } }),
    ...(whenReplicaLost === undefined ? {} : { whenReplicaLost }),
  });
  clusterStores.add(store);
  return store;
}

/** `unsupported` (exit 3) when the command works on files only and the store is on a cluster. */
export function requireFiles(parsed: CommandArgs, command: string, why: string): void {
  if (parsed.redisCluster !== undefined) {
    throw new StoreError("unsupported", `${command} does not apply to a store on Redis Cluster: ${why}`);
  }
}

/**
 * Closes what commands opened (after their replies): the cluster connections, and the
 * writing stores on files (their retention state written back, a write-ahead log
 * checkpointed, the writer lock let go). A store that fails to close has already answered;
 * what it acknowledged is durable (a log is replayed by the next writer).
 */
export async function closeCommandStores(): Promise<void> {
  for (const store of fileStores) {
    try {
      store.close();
    } catch {
      // See above: nothing acknowledged is lost.
    }
  }
  fileStores.clear();
  const stores = [...clusterStores];
  clusterStores.clear();
  await Promise.allSettled(stores.map((store) => store.quit()));
}
