// One real cluster per test file: started before the file's first test, stopped after its last.
import { afterAll, beforeAll } from "bun:test";
import type { RedisClusterOptions } from "../src/options.ts";
import { RedisClusterStore } from "../src/redis-cluster-store.ts";
import { redisServerAvailable, startCluster, type TestCluster } from "./cluster.ts";

export { redisServerAvailable, startCluster, type TestCluster } from "./cluster.ts";

let namespaces = 0;

/**
 * Starts a cluster for the calling test file. Never skips: without `redis-server` (or when the
 * cluster cannot start) the file's tests fail with the reason, in CI and outside it alike.
 */
export function useCluster(): {
  readonly cluster: TestCluster;
  open(options?: Partial<RedisClusterOptions>): Promise<RedisClusterStore>;
} {
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    if (!redisServerAvailable()) {
      throw new Error(
        "redis-server is not installed: the Redis Cluster tests need it (apt-get install -y redis-server; .ci/run does this)",
      );
    }
    cluster = await startCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 30_000);
  return {
    get cluster() {
      if (cluster === undefined) throw new Error("the test cluster did not start (see the first failure)");
      return cluster;
    },
    /** A store on the cluster in a namespace of its own, so tests need no FLUSHALL. */
    open(options = {}) {
      if (cluster === undefined) throw new Error("the test cluster did not start (see the first failure)");
      namespaces++;
      return RedisClusterStore.open({
        nodes: cluster.seeds,
        namespace: `test-${process.pid}-${namespaces}`,
        sweepIntervalMs: 0,
        writeConnections: 2,
        ...options,
      });
    },
  };
}
