/// <reference path="./cluster-key-slot.d.ts" />
import { StoreError } from "@reflex/core";
import { RedisClient } from "bun";
import calculateSlot from "cluster-key-slot";
import type { Cluster } from "ioredis";

/** After a connection to a node closed or failed to open, GETs to it go through ioredis this long. */
const REOPEN_PAUSE_MS = 1000;

/** How the GETs of a {@link DirectGets} went, for tests and stats. */
export interface DirectGetCounts {
  /** Answered on a direct connection. */
  direct: number;
  /** Sent through ioredis: no open connection to the owner, or the direct GET failed (counted in `failedDirect` too). */
  viaCluster: number;
  /** Direct GETs that failed (a redirect, a closed connection) and were sent again through ioredis. */
  failedDirect: number;
}

/**
 * GETs of one key sent straight to the master that owns the key's slot, on Bun's own
 * `RedisClient` (no auto-pipelining: the command is written to the socket when it is called,
 * and the reply is parsed natively), one connection per master. Bun's client knows nothing
 * of a cluster, so the owner is read from ioredis' slot map, and every case it cannot serve
 * goes through ioredis, which follows the cluster: no owner known yet, a connection not (or
 * no longer) open, a redirect (`MOVED`/`ASK` after a failover or a resharding), any error.
 * A direct reply that does not come within `timeoutMs` is a `storage_unavailable` error,
 * as ioredis' own command timeout would be.
 */
export class DirectGets {
  readonly counts: DirectGetCounts = { direct: 0, viaCluster: 0, failedDirect: 0 };
  readonly #clients = new Map<string, RedisClient>();
  /** Node -> `performance.now()` before which no connection to it is opened again. */
  readonly #paused = new Map<string, number>();
  #closed = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly timeoutMs: number,
  ) {}

  /** The value of `key` (null when absent). */
  get(key: string): Promise<Uint8Array | null> {
    const owner = this.cluster.slots[calculateSlot(key)]?.[0];
    const client = owner === undefined ? undefined : this.#client(owner);
    if (client === undefined || !client.connected) return this.#viaCluster(key);
    let timer: Timer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreError("storage_unavailable", `redis cluster: GET timed out after ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    const reply = client.getBuffer(key).then(
      (value) => {
        this.counts.direct++;
        return value;
      },
      () => {
        this.counts.failedDirect++;
        return this.#viaCluster(key);
      },
    );
    return Promise.race([reply, timeout]).finally(() => clearTimeout(timer));
  }

  /** Closes every connection; later GETs go through ioredis. */
  close(): void {
    this.#closed = true;
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  #viaCluster(key: string): Promise<Buffer | null> {
    this.counts.viaCluster++;
    return this.cluster.getBuffer(key);
  }

  /** The connection to `node` ("host:port"), opened on first use; undefined when none may be opened now. */
  #client(node: string): RedisClient | undefined {
    const existing = this.#clients.get(node);
    if (existing !== undefined || this.#closed) return existing;
    if ((this.#paused.get(node) ?? 0) > performance.now()) return undefined;
    const opened = new RedisClient(`redis://${node}`, {
      enableAutoPipelining: false,
      autoReconnect: false,
      enableOfflineQueue: false,
      connectionTimeout: this.timeoutMs,
    });
    const drop = () => {
      if (this.#clients.get(node) !== opened) return;
      this.#clients.delete(node);
      this.#paused.set(node, performance.now() + REOPEN_PAUSE_MS);
    };
    opened.onclose = drop;
    opened.connect().catch(drop); // until it is open, GETs to the node go through ioredis
    this.#clients.set(node, opened);
    return opened;
  }
}
