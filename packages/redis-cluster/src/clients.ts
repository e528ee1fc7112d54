import { StoreError } from "@reflex/core";
import { Cluster } from "ioredis";
import { DirectGets } from "./direct-gets.ts";
import type { ResolvedRedisClusterOptions } from "./options.ts";
import { defineScripts } from "./scripts.ts";

/**
 * The store's connections. Reads go through `reader`; the lookup's re-check GETs through
 * `directGets` (Bun's client, straight to the slot's master), or `checker` when those cannot
 * (no auto-pipelining either: a command is written to its socket when it is called, not on a
 * later turn, so a re-check started during an index scan travels while the scan runs);
 * writes through one of `writers`,
 * each its own ioredis `Cluster` (one connection per node). A replicated write sends its
 * script and `WAIT` on one writer's connection to the shard, and a `WAIT` blocks that
 * connection until a replica confirms or the timeout passes: so it can hold back only later
 * writes on the same writer to the same shard, never reads, never other shards.
 */
export class Clients {
  readonly reader: Cluster;
  readonly checker: Cluster;
  /** Single-key GETs straight to the slot's master (see {@link DirectGets}), ioredis' `checker` otherwise. */
  readonly directGets: DirectGets;
  readonly writers: readonly Cluster[];
  readonly #inFlight: number[];

  constructor(options: ResolvedRedisClusterOptions) {
    const make = (enableAutoPipelining: boolean, resendAfterLostReply: boolean) => {
      const client = new Cluster(
        options.seeds.map((seed) => ({ host: seed.host, port: seed.port })),
        {
          scaleReads: "master",
          // Commands issued in one tick go out in one write per node (64 loads in flight: one syscall, not 64).
          enableAutoPipelining,
          slotsRefreshInterval: 1000,
          // ioredis sends a command again, on the node that serves its slot by then, when the
          // connection it was sent on closed before its reply: a read may be, a write must not
          // (the first send may have run: a write its resend finds refused, or a delete that
          // finds nothing, would be answered as if nothing was written). 0 turns it off: the
          // write fails with the closed connection, which is `outcome_unknown` (redis-errors.ts).
          retryDelayOnFailover: resendAfterLostReply ? 200 : 0,
          retryDelayOnClusterDown: 200,
          redisOptions: { commandTimeout: options.commandTimeoutMs, connectTimeout: options.commandTimeoutMs },
        },
      );
      // Errors reach the callers of each command; the client's own event would only crash the process.
      client.on("error", () => {});
      defineScripts(client);
      return client;
    };
    this.reader = make(true, true);
    this.checker = make(false, true);
    this.directGets = new DirectGets(this.checker, options.commandTimeoutMs);
    this.writers = Array.from({ length: options.writeConnections }, () => make(true, false));
    this.#inFlight = this.writers.map(() => 0);
  }

  /** Runs `action` on the writer with the fewest writes in flight. */
  async withWriter<T>(action: (writer: Cluster) => Promise<T>): Promise<T> {
    let index = 0;
    for (let i = 1; i < this.#inFlight.length; i++) {
      if ((this.#inFlight[i] as number) < (this.#inFlight[index] as number)) index = i;
    }
    this.#inFlight[index] = (this.#inFlight[index] as number) + 1;
    try {
      return await action(this.writers[index] as Cluster);
    } finally {
      this.#inFlight[index] = (this.#inFlight[index] as number) - 1;
    }
  }

  /** Resolves once every client has the cluster's slot map; `storage_unavailable` after `timeoutMs`. */
  async ready(timeoutMs: number): Promise<void> {
    const all = this.#all();
    let timer: Timer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreError("storage_unavailable", `redis cluster: not ready after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([Promise.all(all.map((client) => waitReady(client))), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes every connection at once. */
  disconnect(): void {
    this.directGets.close();
    for (const client of this.#all()) client.disconnect();
  }

  /** Closes every connection after the replies already asked for. */
  async quit(): Promise<void> {
    await this.directGets.quit(); // its GETs in flight may still fall back to the checker
    await Promise.allSettled(this.#all().map((client) => client.quit()));
  }

  #all(): Cluster[] {
    return [this.reader, this.checker, ...this.writers];
  }
}

function waitReady(client: Cluster): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      client.off("end", onEnd);
      resolve();
    };
    const onEnd = () => {
      client.off("ready", onReady);
      reject(new StoreError("storage_unavailable", "redis cluster: connection ended before it was ready"));
    };
    client.once("ready", onReady);
    client.once("end", onEnd);
  });
}
