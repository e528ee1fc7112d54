/**
 * Starts or stops a local Redis Cluster (3 masters + 3 replicas of redis-server on
 * loopback, appendonly with appendfsync always, cluster-node-timeout 2000) for trying
 * the server on it.
 *
 *   bun packages/redis-cluster/scripts/cluster.ts start [--dir DIR] [--port BASE]
 *   bun packages/redis-cluster/scripts/cluster.ts stop  [--dir DIR]
 *
 * `start` prints `REFLEX_REDIS_CLUSTER=<seeds>` and returns, leaving the nodes running;
 * their data, config and logs stay in DIR (default `<tmpdir>/reflex-redis-cluster`), so a
 * later `start` on the same DIR brings the same cluster back. `stop` stops them by pid.
 *
 * @example
 * bun packages/redis-cluster/scripts/cluster.ts start --port 7000
 * bun apps/server/src/main.ts --redis-cluster 127.0.0.1:7000
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startCluster, stopPids } from "../test/cluster.ts";

interface State {
  readonly seeds: string;
  readonly pids: number[];
}

async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { dir: { type: "string" }, port: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const command = positionals[0];
  if (values.help === true || (command !== "start" && command !== "stop")) {
    process.stdout.write("usage: bun packages/redis-cluster/scripts/cluster.ts start|stop [--dir DIR] [--port BASE]\n");
    return values.help === true ? 0 : 2;
  }
  const dir = values.dir ?? join(tmpdir(), "reflex-redis-cluster");
  const stateFile = join(dir, "cluster.json");
  if (command === "start") {
    if (existsSync(stateFile)) {
      const state = JSON.parse(readFileSync(stateFile, "utf8")) as State;
      process.stderr.write(`a cluster from ${dir} may be running (pids ${state.pids.join(" ")}); stop it first\n`);
      return 1;
    }
    const cluster = await startCluster({
      dir,
      detached: true,
      ...(values.port === undefined ? { basePort: 7000 } : { basePort: Number(values.port) }),
    });
    const state: State = {
      seeds: cluster.seeds,
      pids: cluster.nodes.flatMap((n) => (n.pid === undefined ? [] : [n.pid])),
    };
    writeFileSync(stateFile, `${JSON.stringify(state)}\n`);
    process.stderr.write(`redis cluster up: 3 masters, 3 replicas, data in ${dir}\n`);
    process.stdout.write(`REFLEX_REDIS_CLUSTER=${cluster.seeds}\n`);
    return 0;
  }
  if (!existsSync(stateFile)) {
    process.stderr.write(`no cluster started from ${dir}\n`);
    return 1;
  }
  const state = JSON.parse(readFileSync(stateFile, "utf8")) as State;
  await stopPids(state.pids);
  rmSync(stateFile);
  process.stderr.write(`redis cluster stopped (pids ${state.pids.join(" ")}); data kept in ${dir}\n`);
  return 0;
}

main(Bun.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`cluster: ${(error as Error)?.message ?? error}\n`);
    process.exit(1);
  },
);
