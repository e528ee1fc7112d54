/// <reference path="./cluster-key-slot.d.ts" />
import calculateSlot from "cluster-key-slot";
import { type ChainableCommander, type Cluster, Redis } from "ioredis";
import type { ClusterContext } from "./context.ts";
import { isDegradedReply, isReplicaBackReply, writeError } from "./redis-errors.ts";
import { GATE, type Gate } from "./replica-gate.ts";
import type { ShardAt } from "./shard-watch.ts";

/** One writing script, for {@link send}. */
export interface ScriptCall {
  /** Names the write in errors ("store of entry 42 of tenant 1"). */
  readonly what: string;
  /** One of the script's keys: its slot names the shard. */
  readonly key: string;
  /** Wait for a replica (`replicated` durability), else `atomic`. */
  readonly replicated: boolean;
  /** Calls the script on a client or a pipeline, passing `gate` as its replica argument (see replica-gate.ts). */
  readonly call: (client: Cluster | ChainableCommander, gate: Gate) => unknown;
}

/** What {@link send} resolves with. */
export interface Sent<T> {
  /** The script's reply, without the `master_only` flag every writing script ends it with. */
  readonly reply: T;
  /**
   * The promise the write was answered with holds: a replica confirmed it (WAIT), or it was
   * atomic, or accepted on the master alone (`masterOnly`). False: applied on the master, no
   * replica confirmed in time.
   */
  readonly confirmed: boolean;
  /** Applied on a shard with no online replica, on its master alone (`whenReplicaLost: "accept"`). */
  readonly masterOnly: boolean;
}

/**
 * The shard of `key`'s slot: its name (its slot ranges, the same after a failover) and its
 * master's `host:port` in the writer's slot map now ("unknown" before it has one).
 */
function shardOf(context: ClusterContext, writer: Cluster, key: string): ShardAt {
  const slot = calculateSlot(key);
  return { shard: context.shards.names.of(slot), master: writer.slots[slot]?.[0] ?? "unknown" };
}

/**
 * Whether the shard's `master` has an online replica, asked through the reader's connection to
 * it (never blocked by a writer's WAIT), else on a connection of its own (the reader may not
 * know a promoted replica yet); undefined when it does not answer in `commandTimeoutMs`.
 */
async function probeReplica(context: ClusterContext, { master }: ShardAt): Promise<boolean | undefined> {
  const known = context.clients.reader
    .nodes("master")
    .find((redis) => `${redis.options.host}:${redis.options.port}` === master);
  const colon = master.lastIndexOf(":");
  const timeout = context.options.commandTimeoutMs;
  const node =
    known ??
    new Redis({
      host: master.slice(0, colon),
      port: Number(master.slice(colon + 1)),
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      connectTimeout: timeout,
      commandTimeout: timeout,
    });
  node.on("error", () => {});
  try {
    return (await node.info("replication")).includes("state=online");
  } catch {
    return undefined;
  } finally {
    if (known === undefined) node.disconnect();
  }
}

/** Splits a writing script's reply into its body and its trailing `master_only` flag. */
function split<T>(raw: unknown): { reply: T; masterOnly: boolean } {
  const list = raw as unknown[];
  return { reply: list.slice(0, -1) as T, masterOnly: list[list.length - 1] === 1 };
}

/**
 * Runs one writing script on its shard. Atomic: a plain command, through the writer's
 * auto-pipeline. Replicated: the script and `WAIT 1` right behind it in one explicit
 * pipeline, which keeps both on one connection, in order; the script checks the shard's
 * replicas first and, with none online, refuses (`degraded`) or, under `whenReplicaLost:
 * "accept"`, writes on the master alone and says so. While this client last saw the shard
 * without a replica (its own writes, or a probe of a master it has not written to yet: a
 * promoted replica) the script goes alone, without the WAIT (which could only time out,
 * holding the connection's later writes), and refuses with `REPLICABACK` once a replica is
 * online: then it is sent again with the WAIT. A failure before the reply is a typed write error.
 */
export function send<T>(context: ClusterContext, script: ScriptCall): Promise<Sent<T>> {
  const { what, key, replicated, call } = script;
  const watch = context.shards;
  const accept = context.options.whenReplicaLost === "accept";
  return context.clients.withWriter(async (writer) => {
    // Its master now (the writer's slot map follows a failover while the write runs).
    const at = () => shardOf(context, writer, key);
    if (!replicated) {
      try {
        return { ...split<T>(await call(writer, GATE.none)), confirmed: true, masterOnly: false };
      } catch (error) {
        throw writeError(what, error);
      }
    }
    await watch.learn(at(), () => probeReplica(context, at()));
    if (watch.isLost(at())) {
      try {
        const sent = split<T>(await call(writer, accept ? GATE.lostAccept : GATE.lostRefuse));
        if (sent.masterOnly) watch.acceptedMasterOnly(at());
        // Not master-only is not a reply these gates give (a replica makes them refuse): applied, unconfirmed.
        return { reply: sent.reply, confirmed: sent.masterOnly, masterOnly: sent.masterOnly };
      } catch (error) {
        if (isDegradedReply(error)) watch.refused(at());
        if (!isReplicaBackReply(error)) throw writeError(what, error);
        watch.replicaSeen(at());
      }
    }
    let results: [Error | null, unknown][] | null;
    try {
      const pipeline = writer.pipeline();
      call(pipeline, accept ? GATE.accept : GATE.refuse);
      pipeline.wait(1, context.options.replicaWaitMs);
      results = await pipeline.exec();
    } catch (error) {
      throw writeError(what, error);
    }
    const [scriptError, raw] = results?.[0] ?? [new Error("empty pipeline reply"), null];
    if (scriptError !== null) {
      if (isDegradedReply(scriptError)) watch.refused(at());
      throw writeError(what, scriptError);
    }
    const sent = split<T>(raw);
    if (sent.masterOnly) {
      watch.acceptedMasterOnly(at());
      return { reply: sent.reply, confirmed: true, masterOnly: true };
    }
    watch.replicaSeen(at());
    const [waitError, acknowledged] = results?.[1] ?? [new Error("no WAIT reply"), 0];
    const confirmed = waitError === null && Number(acknowledged) >= 1;
    if (!confirmed) watch.forget(at()); // its replica may be gone: the next write asks
    return { reply: sent.reply, confirmed, masterOnly: false };
  });
}
