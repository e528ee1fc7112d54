// A real Redis Cluster for tests, benchmarks and `scripts/cluster.ts`: 3 masters and
// 3 replicas of Debian's redis-server on loopback ports, in a temp dir, stopped by pid.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";

/** One redis-server process of a {@link TestCluster}. */
export interface ClusterNode {
  readonly port: number;
  /** Its process id, or undefined once stopped. */
  pid: number | undefined;
  readonly dir: string;
}

/** Options of {@link startCluster}. */
export interface StartClusterOptions {
  /** Where the nodes keep their config, AOF and logs. Default: a fresh temp dir, removed by `stop()`. */
  readonly dir?: string;
  /** First port; node i listens on base + i (and its cluster bus on +10000). Default: a free range. */
  readonly basePort?: number;
  /** Masters; each gets one replica. Default 3. */
  readonly masters?: number;
  /** Detach the processes so they outlive this one (the CLI script). Default false. */
  readonly detached?: boolean;
  /** Most time to wait for `cluster_state:ok` and every replica's link, in ms. Default 30 s. */
  readonly timeoutMs?: number;
}

/** A running cluster. */
export interface TestCluster {
  readonly dir: string;
  readonly nodes: readonly ClusterNode[];
  /** `host:port` of every node, comma-separated: what `--redis-cluster` takes. */
  readonly seeds: string;
  /** Ports of the current masters (asks the cluster). */
  masterPorts(): Promise<number[]>;
  /** The ports of the master and replicas that serve `key`'s slot now. */
  shardOf(key: string): Promise<{ master: number; replicas: number[] }>;
  /** Sends `signal` to the node on `port` (SIGSTOP / SIGCONT to hang one without killing it). */
  signal(port: number, signal: NodeJS.Signals): void;
  /** SIGKILLs the node on `port`. */
  kill(port: number): void;
  /** Starts the node on `port` again with its own config (it rejoins the cluster). */
  restart(port: number): void;
  /** Resolves once every node agrees `cluster_state:ok` and every master has an online replica (past its first sync). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Deletes every key on every master. */
  flushAll(): Promise<void>;
  /** Stops every node by pid (SIGTERM, then SIGKILL) and removes the temp dir it made. */
  stop(): Promise<void>;
}

/** True when `redis-server` can be run from PATH. */
export function redisServerAvailable(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

/** The redis.conf of a test node on `port`, keeping its files in `dir`. */
export function nodeConfig(port: number, dir: string): string {
  return [
    `port ${port}`,
    "bind 127.0.0.1",
    "cluster-enabled yes",
    "cluster-config-file nodes.conf",
    "cluster-node-timeout 2000",
    "appendonly yes",
    "appendfsync always",
    'save ""',
    // Replicas (and a restarted node rejoining as one) sync at once rather than after 5 s.
    "repl-diskless-sync-delay 0",
    `dir ${dir}`,
    "daemonize no",
    "",
  ].join("\n");
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A base port such that base .. base+count-1 and their bus ports (+10000) are all free now. */
export async function freeBasePort(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let free = true;
    for (let i = 0; i < count && free; i++) free = (await portFree(base + i)) && (await portFree(base + i + 10_000));
    if (free) return base;
  }
  throw new Error(`no free range of ${count} ports (and their bus ports) found`);
}

/** Starts `node`'s redis-server (its redis.conf in its dir), logging to redis.log there; sets its pid. */
export function spawnNode(node: ClusterNode, detached: boolean): void {
  const log = openSync(join(node.dir, "redis.log"), "a");
  const child = spawn("redis-server", [join(node.dir, "redis.conf")], {
    cwd: node.dir,
    stdio: ["ignore", log, log],
    detached,
  });
  closeSync(log);
  if (detached) child.unref();
  if (child.pid === undefined) throw new Error(`redis-server on port ${node.port} did not start`);
  node.pid = child.pid;
}

function client(port: number): Redis {
  return new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
}

async function ask<T>(port: number, action: (redis: Redis) => Promise<T>): Promise<T | undefined> {
  const redis = client(port);
  redis.on("error", () => {});
  try {
    await redis.connect();
    return await action(redis);
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await Bun.sleep(100);
  }
  throw new Error(`redis cluster: timed out after ${timeoutMs} ms waiting for ${what}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `masters` masters and as many replicas on loopback, creates the cluster with
 * `redis-cli --cluster create`, and waits until it is healthy. Fails (never skips) when
 * `redis-server` is missing.
 *
 * @example
 * const cluster = await startCluster();
 * const store = await RedisClusterStore.open({ nodes: cluster.seeds });
 * await cluster.stop();
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<TestCluster> {
  if (!redisServerAvailable()) {
    throw new Error("redis-server is not on PATH: install it (apt-get install -y redis-server) to run the cluster");
  }
  const count = (options.masters ?? 3) * 2;
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "reflex-redis-cluster-"));
  const basePort = options.basePort ?? (await freeBasePort(count));
  const detached = options.detached === true;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < count; i++) {
    const port = basePort + i;
    const nodeDir = join(dir, String(port));
    mkdirSync(nodeDir, { recursive: true });
    if (!existsSync(join(nodeDir, "redis.conf"))) writeFileSync(join(nodeDir, "redis.conf"), nodeConfig(port, nodeDir));
    nodes.push({ port, pid: undefined, dir: nodeDir });
  }
  const byPort = (port: number) => {
    const node = nodes.find((n) => n.port === port);
    if (node === undefined) throw new Error(`no node on port ${port}`);
    return node;
  };

  const cluster: TestCluster = {
    dir,
    nodes,
    seeds: nodes.map((n) => `127.0.0.1:${n.port}`).join(","),
    async masterPorts() {
      const ports: number[] = [];
      for (const node of nodes) {
        if (node.pid === undefined) continue;
        const role = await ask(node.port, (r) => r.role());
        if (Array.isArray(role) && role[0] === "master") ports.push(node.port);
      }
      return ports;
    },
    async shardOf(key) {
      for (const node of nodes) {
        const found = await ask(node.port, async (r) => {
          const slot = Number(await r.cluster("KEYSLOT", key));
          const ranges = await r.cluster("SLOTS");
          const range = ranges.find(([start, end]) => slot >= start && slot <= end);
          const [, , master, ...replicas] = range ?? [];
          if (master === undefined) return undefined;
          return { master: master[1], replicas: replicas.map((replica) => replica[1]) };
        });
        if (found !== undefined) return found;
      }
      throw new Error(`no node knows the shard of ${key}`);
    },
    signal(port, signal) {
      const node = byPort(port);
      if (node.pid !== undefined) process.kill(node.pid, signal);
    },
    kill(port) {
      const node = byPort(port);
      if (node.pid !== undefined) process.kill(node.pid, "SIGKILL");
      node.pid = undefined;
    },
    restart(port) {
      const node = byPort(port);
      if (node.pid !== undefined && alive(node.pid)) return;
      spawnNode(node, detached);
    },
    async waitHealthy(wait = timeoutMs) {
      await until("cluster_state:ok on every node and an online replica of every master", wait, async () => {
        let masters = 0;
        for (const node of nodes) {
          const info = await ask(node.port, async (r) => [await r.cluster("INFO"), await r.info("replication")]);
          if (info === undefined || !String(info[0]).includes("cluster_state:ok")) return false;
          const replication = String(info[1]);
          if (replication.includes("role:master")) {
            masters++;
            // Online, not only connected: a replica still in its first sync is listed as connected,
            // and a replicated write to its shard is refused until it is online.
            if (!replication.includes("state=online")) return false;
          } else if (!replication.includes("master_link_status:up")) return false;
        }
        return masters === count / 2;
      });
    },
    async flushAll() {
      for (const port of await cluster.masterPorts()) await ask(port, (r) => r.flushall());
    },
    async stop() {
      await stopPids(nodes.flatMap((node) => (node.pid === undefined ? [] : [node.pid])));
      for (const node of nodes) node.pid = undefined;
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };

  // Nodes that were part of a cluster before (a stopped `scripts/cluster.ts start`) rejoin it.
  const rejoin = nodes.every((node) => existsSync(join(node.dir, "nodes.conf")));
  try {
    for (const node of nodes) spawnNode(node, detached);
    await until("every node to answer PING", timeoutMs, async () => {
      for (const node of nodes) if ((await ask(node.port, (r) => r.ping())) !== "PONG") return false;
      return true;
    });
    if (rejoin) {
      await cluster.waitHealthy();
      return cluster;
    }
    const create = spawnSync(
      "redis-cli",
      ["--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`), "--cluster-replicas", "1", "--cluster-yes"],
      { encoding: "utf8", timeout: timeoutMs },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    await cluster.waitHealthy();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** Stops processes by pid (SIGTERM, then SIGKILL after 5 s): the nodes of a detached cluster. */
export async function stopPids(pids: readonly number[]): Promise<void> {
  for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 5000;
  for (const pid of pids) {
    while (alive(pid) && Date.now() < deadline) await Bun.sleep(20);
    if (alive(pid)) process.kill(pid, "SIGKILL");
  }
}
