// The `reflex` command on a Redis Cluster: real child processes against a real cluster
// this file starts (one for the whole file; each test uses tenants of its own).
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bucketKeys, bucketOf, id20 } from "@reflex/redis-cluster";
import { useCluster } from "@reflex/redis-cluster/test-cluster";
import {
  bytesOf,
  expectOneLineError,
  type RunOptions,
  reflex,
  removeTempRoots,
  seed,
  startServe,
  tempRoot,
} from "./helpers.ts";

const harness = useCluster();
afterAll(removeTempRoots);

function onCluster(args: readonly string[], options: RunOptions = {}) {
  return reflex(args, { ...options, env: { REFLEX_REDIS_CLUSTER: harness.cluster.seeds, ...options.env } });
}

describe("reflex on a Redis Cluster", () => {
  test("put, get, exists, ls, stats, verify and rm work with REFLEX_REDIS_CLUSTER", async () => {
    const payload = bytesOf(5000, 1);
    const put = await onCluster(["put", "11", "42", "--payload", "-", "--json"], { stdin: payload });
    expect(put.code).toBe(0);
    expect(JSON.parse(put.stdout)).toMatchObject({ tenantId: "11", entryId: "42", created: true });
    const got = await onCluster(["get", "11", "42", "--payload"]);
    expect([got.code, got.bytes]).toEqual([0, payload]);
    expect((await onCluster(["exists", "11", "42"])).code).toBe(0);
    expect((await onCluster(["exists", "11", "43"])).code).toBe(1);
    for (const id of ["7", "18446744073709551615"]) {
      expect((await onCluster(["put", "11", id, "--payload", "-"], { stdin: "x" })).code).toBe(0);
    }
    expect((await onCluster(["ls", "11"])).stdout).toBe("7\n42\n18446744073709551615\n");
    expect(JSON.parse((await onCluster(["ls", "11", "--limit", "1", "--after", "7", "--json"])).stdout)).toEqual({
      tenantId: "11",
      entryIds: ["42"],
      next: "42",
    });
    expect((await onCluster(["ls"])).stdout.split("\n")).toContain("11");
    const stats = JSON.parse((await onCluster(["stats", "--json"])).stdout) as {
      tenants: { tenantId: string; entryCount: number }[];
    };
    expect(stats.tenants.find((t) => t.tenantId === "11")?.entryCount).toBe(3);
    const verify = await onCluster(["verify", "--tenant", "11", "--json"]);
    expect([verify.code, JSON.parse(verify.stdout)]).toEqual([0, { checked: 3, ok: 3, problems: [] }]);
    expect((await onCluster(["rm", "11", "42"])).code).toBe(0);
    expectOneLineError(await onCluster(["get", "11", "42"]), 1);
    expectOneLineError(await onCluster(["ls", "12"]), 1); // a tenant the cluster never saw
  });

  test("a dump exported from files imports into the cluster and exports again byte for byte", async () => {
    const root = tempRoot();
    seed(
      root,
      [1n, 2n, 300n].map((id) => ({
        id,
        entry: {
          tenantId: 21n,
          contextHash: id,
          timestamp: 1_700_000_000n,
          embedding: bytesOf(64, Number(id)),
          payloadBlob: bytesOf(1000, Number(id) + 1),
        },
      })),
    );
    const fromFiles = await reflex(["export", "--tenant", "21"], { root });
    expect(fromFiles.code).toBe(0);
    expect((await onCluster(["import"], { stdin: fromFiles.bytes })).code).toBe(0);
    const fromCluster = await onCluster(["export", "--tenant", "21"]);
    expect(fromCluster.code).toBe(0);
    expect(fromCluster.bytes).toEqual(fromFiles.bytes);
  });

  test("search and ls --context-hash answer from the cluster (the tenant's index is built by the command)", async () => {
    const root = tempRoot();
    const query = join(root, "query.f16");
    const f16 = (values: number[]) => new Uint8Array(new Float16Array(values).buffer);
    writeFileSync(query, f16([1, 0, 0]));
    for (const [id, values, hash] of [
      ["1", [1, 0, 0], "7"],
      ["2", [1, 0.2, 0], "7"],
      ["3", [0, 1, 0], "8"],
    ] as const) {
      const file = join(root, `${id}.f16`);
      writeFileSync(file, f16([...values]));
      const put = await onCluster(["put", "41", id, "--payload", "-", "--embedding", file, "--context-hash", hash], {
        stdin: "x",
      });
      expect(put.code).toBe(0);
    }
    const found = await onCluster(["search", "41", "--embedding", query, "--k", "5", "--json"]);
    expect(found.code).toBe(0);
    expect((JSON.parse(found.stdout) as { hits: { id: string }[] }).hits.map((hit) => hit.id)).toEqual(["1", "2"]);
    expect((await onCluster(["ls", "41", "--context-hash", "7"])).stdout.split("\n").filter(Boolean).sort()).toEqual([
      "1",
      "2",
    ]);
    expect((await onCluster(["rm", "41", "1"])).code).toBe(0);
    const after = await onCluster(["search", "41", "--embedding", query, "--k", "5", "--json"]);
    expect((JSON.parse(after.stdout) as { hits: { id: string }[] }).hits.map((hit) => hit.id)).toEqual(["2"]);
  });

  test("cleanup and gc are files only (exit 3, one line); --root with --redis-cluster is a usage error", async () => {
    expect(expectOneLineError(await onCluster(["cleanup"]), 3)).toContain("Redis Cluster");
    expect(expectOneLineError(await onCluster(["gc"]), 3)).toContain("Redis Cluster");
    const both = await reflex(["ls", "--root", tempRoot(), "--redis-cluster", harness.cluster.seeds]);
    expect(expectOneLineError(both, 2)).toContain("--redis-cluster");
  });

  test("reflex serve --redis-cluster serves the API (search and ?contextHash= too) from the cluster and stops on SIGTERM", async () => {
    const { process: child, url } = await startServe(
      ["--port", "0", "--quiet", "--redis-cluster", harness.cluster.seeds],
      { ...process.env, REFLEX_ROOT: tempRoot() },
    );
    expect(url).toMatch(/^http:\/\/\S+$/);
    const put = await fetch(`${url}/v1/tenants/31/entries/4`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenantId: "31", payloadBlob: "aGk=" }),
    });
    expect(put.status).toBe(201);
    // Search and the exact lookup are served from the cluster too.
    const withEmbedding = await fetch(`${url}/v1/tenants/31/entries/5`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenantId: "31", contextHash: "9", embedding: "ADwAAA==", payloadBlob: "aGk=" }),
    });
    expect(withEmbedding.status).toBe(201);
    const search = await fetch(`${url}/v1/tenants/31/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ embedding: "ADwAAA==" }),
    });
    expect(((await search.json()) as { hits: { id: string }[] }).hits.map((hit) => hit.id)).toEqual(["5"]);
    expect(await (await fetch(`${url}/v1/tenants/31/entries?contextHash=9`)).json()).toEqual({
      ids: ["5"],
      next: null,
    });
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    // Written to the cluster, not under the root: the CLI reads it back from there.
    expect((await onCluster(["get", "31", "4", "--payload"])).stdout).toBe("hi");
  });

  test("--root wins over REFLEX_REDIS_CLUSTER; --redis-cluster over REFLEX_ROOT", async () => {
    const root = tempRoot();
    expect((await onCluster(["put", "32", "1", "--payload", "-", "--root", root], { stdin: "on files" })).code).toBe(0);
    expect((await reflex(["get", "32", "1", "--payload"], { root })).stdout).toBe("on files");
    expectOneLineError(await onCluster(["get", "32", "1"]), 1);
    const viaFlag = await reflex(["put", "32", "2", "--payload", "-", "--redis-cluster", harness.cluster.seeds], {
      root,
      stdin: "on the cluster",
    });
    expect(viaFlag.code).toBe(0);
    expect((await onCluster(["get", "32", "2", "--payload"])).stdout).toBe("on the cluster");
    expectOneLineError(await reflex(["get", "32", "2"], { root }), 1);
  });

  test("a cluster that cannot be reached is a storage error (exit 3), not a hang", async () => {
    const result = await reflex(["ls", "--redis-cluster", "127.0.0.1:1"]);
    expect(expectOneLineError(result, 3)).toContain("redis cluster");
  });

  test("--redis-when-replica-lost: usage errors; on a shard whose replica is killed, put refuses (exit 3) or reports master-only", async () => {
    expectOneLineError(await reflex(["ls", "--redis-when-replica-lost", "accept", "--root", tempRoot()]), 2);
    expect(expectOneLineError(await onCluster(["ls", "--redis-when-replica-lost", "maybe"]), 2)).toContain(
      "must be refuse or accept",
    );
    const probe = await harness.open({ namespace: "reflex" }); // the CLI's namespace: its K
    const key = bucketKeys("reflex", 40n, bucketOf(1n, probe.buckets)).entryPrefix + id20(1n);
    await probe.quit();
    const { replicas } = await harness.cluster.shardOf(key);
    const replica = replicas[0] as number;
    const put = (choice: string, payload: string) =>
      onCluster(["put", "40", "1", "--payload", "-", "--json", "--redis-when-replica-lost", choice], {
        stdin: payload,
      });
    expect((await put("accept", "before")).code).toBe(0);
    harness.cluster.kill(replica);
    try {
      // Until the master has seen its replica go, a write is still confirmed.
      let refused = await put("refuse", "refused");
      for (let i = 0; i < 50 && refused.code === 0; i++) refused = await put("refuse", "refused");
      expect(expectOneLineError(refused, 3)).toContain("no online replica");
      const accepted = await onCluster(["put", "40", "1", "--payload", "-", "--json"], {
        stdin: "master only",
        env: { REFLEX_REDIS_WHEN_REPLICA_LOST: "accept" },
      });
      expect([accepted.code, JSON.parse(accepted.stdout)]).toEqual([
        0,
        { tenantId: "40", entryId: "1", created: false, fileBytes: expect.any(Number), durability: "master-only" },
      ]);
      const text = await onCluster(["put", "40", "1", "--payload", "-", "--redis-when-replica-lost", "accept"], {
        stdin: "master only",
      });
      expect(text.stdout).toContain("(master only: its shard has no online replica)");
      expect((await onCluster(["get", "40", "1", "--payload"])).stdout).toBe("master only");
    } finally {
      harness.cluster.restart(replica);
    }
    await harness.cluster.waitHealthy();
    const back = await put("accept", "replicated");
    expect([back.code, JSON.parse(back.stdout).durability]).toEqual([0, undefined]);
  }, 60_000);
});
