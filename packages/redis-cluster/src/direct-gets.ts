/// <reference path="./cluster-key-slot.d.ts" />
import { StoreError } from "@reflex/core";
import { RedisClient } from "bun";
import calculateSlot from "cluster-key-slot";
import type { Cluster } from "ioredis";

/** After a connection to a node closed, failed to open or timed out, GETs to it go through ioredis this long. */
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

/** The `redis://` URL of an ioredis node key (`host:port`; an IPv6 host has colons of its own). */
export function nodeUrl(node: string): string {
  const at = node.lastIndexOf(":");
  const host = node.slice(0, at);
  return `redis://${host.includes(":") ? `[${host}]` : host}:${node.slice(at + 1)}`;
}

class DirectTimeout extends StoreError {
  constructor(timeoutMs: number) {
    super("storage_unavailable", `redis cluster: GET timed out after ${timeoutMs} ms`);
  }
}

/**
 * GETs of one key sent straight to the master that owns the key's slot, on Bun's own
 * `RedisClient` (no auto-pipelining: the command is written to the socket when it is called,
 * and the reply is parsed natively), one connection per master. Bun's client knows nothing
 * of a cluster, so the owner is read from ioredis' slot map, and every case it cannot serve
 * goes through ioredis, which follows the cluster: no owner known yet, a connection not (or
 * no longer) open, a redirect (`MOVED`/`ASK` after a failover or a resharding), any error
 * but a timeout. A direct reply that does not come within `timeoutMs` is a
 * `storage_unavailable` error, as ioredis' own command timeout would be, and the connection
 * is closed (the node may be stopped: the next GETs go through ioredis for a while).
 */
export class DirectGets {
  readonly counts: DirectGetCounts = { direct: 0, viaCluster: 0, failedDirect: 0 };
  readonly #clients = new Map<string, RedisClient>();
  /** Node -> `performance.now()` before which no connection to it is opened again. */
  readonly #paused = new Map<string, number>();
  /** GETs not settled yet, so {@link quit} can wait for them. */
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly timeoutMs: number,
  ) {}

  /** The value of `key` (null when absent). */
  get(key: string): Promise<Uint8Array | null> {
    const owner = this.cluster.slots[calculateSlot(key)]?.[0];
    const client = owner === undefined ? undefined : this.#client(owner);
    if (owner === undefined || client === undefined || !client.connected) return this.#viaCluster(key);
    let timer: Timer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DirectTimeout(this.timeoutMs)), this.timeoutMs);
    });
    const reply = Promise.race([client.getBuffer(key), timeout])
      .finally(() => clearTimeout(timer))
      .then(
        (value) => {
          this.counts.direct++;
          return value;
        },
        (error) => {
          if (error instanceof DirectTimeout) {
            this.#drop(owner, client);
            client.close();
            throw error;
          }
          this.counts.failedDirect++;
          return this.#viaCluster(key);
        },
      );
    this.#inFlight.add(reply);
    const forget = () => this.#inFlight.delete(reply);
    reply.then(forget, forget);
    return reply;
  }

  /** Closes every connection at once (GETs in flight on them go through ioredis); later GETs go through ioredis. */
  close(): void {
    this.#closed = true;
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  /** Sends later GETs through ioredis, waits for those in flight, then closes every connection. */
  async quit(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
    this.close();
  }

  #viaCluster(key: string): Promise<Buffer | null> {
    this.counts.viaCluster++;
    return this.cluster.getBuffer(key);
  }

  /** Forgets `client` as the connection to `node` and opens none to it for a while. */
  #drop(node: string, client: RedisClient): void {
    if (this.#clients.get(node) !== client) return;
    this.#clients.delete(node);
    this.#paused.set(node, performance.now() + REOPEN_PAUSE_MS);
  }

  /** The connection to `node` ("host:port"), opened on first use; undefined when none may be opened now. */
  #client(node: string): RedisClient | undefined {
    if (this.#closed) return undefined;
    const existing = this.#clients.get(node);
    if (existing !== undefined) return existing;
    if ((this.#paused.get(node) ?? 0) > performance.now()) return undefined;
    let opened: RedisClient;
    try {
      opened = new RedisClient(nodeUrl(node), {
        enableAutoPipelining: false,
        autoReconnect: false,
        enableOfflineQueue: false,
        connectionTimeout: this.timeoutMs,
      });
    } catch {
      this.#paused.set(node, performance.now() + REOPEN_PAUSE_MS); // a node key Bun cannot connect to: ioredis can
      return undefined;
    }
    const drop = () => this.#drop(node, opened);
    opened.onclose = drop;
    opened.connect().catch(drop); // until it is open, GETs to the node go through ioredis
    this.#clients.set(node, opened);
    return opened;
  }
}
