// A node that was never part of the cluster, started and attached as the replica of one
// master: what an operator does when a machine is gone for good.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Redis from "ioredis";
import { type ClusterNode, freeBasePort, nodeConfig, spawnNode, stopPids } from "./cluster.ts";

/** A fresh node attached by {@link attachFreshReplica}; stop it with `stop()` (by its pid). */
export interface FreshReplica {
  readonly port: number;
  readonly pid: number | undefined;
  /** Stops the node (SIGTERM, then SIGKILL), by its pid. */
  stop(): Promise<void>;
}

async function poll<T>(what: string, timeoutMs: number, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await Bun.sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? "" : `: ${last}`}`);
}

function connect(port: number): Redis {
  const redis = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on("error", () => {});
  return redis;
}

/**
 * Starts a new redis-server (cluster mode, the test nodes' config) under `dir`, has it meet
 * the master on `masterPort` and replicate it (CLUSTER REPLICATE, retried until gossip has told
 * it of the master), and resolves once the master lists it as an online replica. Every wait
 * polls with a deadline (`timeoutMs`, default 60 s); a failure stops the node it started.
 */
export async function attachFreshReplica(dir: string, masterPort: number, timeoutMs = 60_000): Promise<FreshReplica> {
  const port = await freeBasePort(1);
  const node: ClusterNode = { port, pid: undefined, dir: join(dir, `fresh-${port}`) };
  mkdirSync(node.dir, { recursive: true });
  writeFileSync(join(node.dir, "redis.conf"), nodeConfig(port, node.dir));
  spawnNode(node, false);
  const fresh: FreshReplica = {
    port,
    get pid() {
      return node.pid;
    },
    async stop() {
      if (node.pid !== undefined) await stopPids([node.pid]);
      node.pid = undefined;
    },
  };
  const replica = connect(port);
  const master = connect(masterPort);
  try {
    await poll("the fresh node to answer", timeoutMs, async () => {
      if (replica.status !== "ready") await replica.connect();
      return (await replica.ping()) === "PONG" ? true : undefined;
    });
    await master.connect();
    const masterId = String(await master.cluster("MYID"));
    await replica.cluster("MEET", "127.0.0.1", masterPort);
    await poll(`the fresh node on ${port} to replicate ${masterPort}`, timeoutMs, async () =>
      String(await replica.cluster("REPLICATE", masterId)) === "OK" ? true : undefined,
    );
    await poll(`the master on ${masterPort} to list ${port} as an online replica`, timeoutMs, async () =>
      new RegExp(`port=${port},state=online`).test(await master.info("replication")) ? true : undefined,
    );
  } catch (error) {
    await fresh.stop();
    throw error;
  } finally {
    replica.disconnect();
    master.disconnect();
  }
  return fresh;
}
