/**
 * Scenario 11 (scenario 9's cluster, for search): the lookup on Redis Cluster. (1) Lag: two
 * server processes on one cluster; a PUT acknowledged by server A, until a `?contextHash=`
 * lookup on server B answers it (B asks every 5 ms), over >= 1,000 writes by 16 writers.
 * (2) Search k=1 over one tenant of N x 768 f16 (100k; quick 10k): `RedisClusterStore`
 * (a store that did not write them: its index built from the cluster, every hit re-checked)
 * and `NvmeStorage` over the same vectors, the same near-duplicate queries, interleaved,
 * after a warm-up of both and a full GC (the build's garbage is not what a search costs).
 * (3) What tailing costs when nothing is written: CPU of this process and of the cluster's
 * masters while one store tails one tenant (K = 16 logs), per poll interval, beside the
 * same store with tailing off (its connections' own upkeep).
 */
import { join } from "node:path";
import { NvmeStorage } from "@reflex/core";
import { RedisClusterStore } from "@reflex/redis-cluster";
import { VectorSource } from "@reflex/testkit";
import { redisServerAvailable, startCluster, type TestCluster } from "../../packages/redis-cluster/test/cluster.ts";
import { type Child, cpuSeconds, serverEnv, startChild } from "../child-server.ts";
import { freshDir, removeDir } from "../fixtures.ts";
import { currentMode } from "../harness.ts";
import type { Results } from "../results.ts";
import { makeVectors, nearDuplicate } from "../search-data.ts";

const DIM = 768;
const TENANT = 1n;
const LAG_TENANT = 7;
const LAG_WRITERS = 16;
const LAG_PROBE_MS = 5;
/** A write not found on B after this long counts as missed. */
const LAG_GIVE_UP_MS = 10_000;
/** Searches of each store before the timed ones. */
const WARM_UP_QUERIES = 20;

/** Measures of the report's table, shared with the targets. */
export const CLUSTER_SEARCH = {
  lag: "lag: PUT acknowledged by server A until a lookup on server B finds it",
  search: "search k=1, one tenant",
  build: "first lookup of the tenant on a store that did not write it",
  idle: "tailing one idle tenant (16 logs)",
} as const;
export const CLUSTER_SEARCH_SUBJECTS = {
  cluster: "RedisClusterStore (re-checked)",
  nvme: "NvmeStorage",
} as const;

function percentiles(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

function f16Base64(values: readonly number[]): string {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (const [i, value] of values.entries()) view.setFloat16(i * 2, value, true);
  return Buffer.from(bytes).toString("base64");
}

/** Scenario 11, or a note when `redis-server` is not installed. */
export async function runClusterSearch(results: Results): Promise<void> {
  if (!redisServerAvailable()) {
    results.notes.push("scenario 11 (cluster-search) not run: redis-server is not installed");
    return;
  }
  const quick = currentMode().quick;
  const cluster = await startCluster();
  try {
    await measureLag(results, cluster, 1000);
    await measureSearch(results, cluster, quick ? 10_000 : 100_000, quick ? 60 : 200);
    for (const pollMs of [0, 20, 100, 500]) await measureIdleTail(results, cluster, pollMs, quick ? 2000 : 5000);
  } finally {
    await cluster.stop();
  }
}

async function measureLag(results: Results, cluster: TestCluster, writes: number): Promise<void> {
  const dir = freshDir("cluster-lag");
  const children: Child[] = [];
  try {
    const argv = ["bun", "apps/server/src/main.ts", "--port", "0", "--quiet", "--redis-cluster", cluster.seeds];
    const a = await startChild(argv, serverEnv(dir));
    children.push(a);
    const b = await startChild(argv, serverEnv(dir));
    children.push(b);
    const lookup = async (hash: number) => {
      const res = await fetch(`${b.url}/v1/tenants/${LAG_TENANT}/entries?contextHash=${hash}`);
      return res.status === 200 ? ((await res.json()) as { ids: string[] }).ids : [];
    };
    await lookup(0); // B builds the tenant first: what is measured is the tail, not the build
    const embedding = f16Base64(Array.from({ length: DIM }, (_, i) => Math.sin(i + 1)));
    const lags: number[] = [];
    let missed = 0;
    let next = 0;
    const stopAt = performance.now() + 180_000;
    const writer = async () => {
      while (next < writes && performance.now() < stopAt) {
        const id = ++next;
        const res = await fetch(`${a.url}/v1/tenants/${LAG_TENANT}/entries/${id}`, {
          method: "PUT",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ contextHash: String(id), timestamp: "1700000000", embedding }),
        });
        if (res.status !== 201) throw new Error(`PUT on A answered ${res.status}: ${await res.text()}`);
        const acknowledged = performance.now();
        for (;;) {
          if ((await lookup(id)).includes(String(id))) {
            lags.push(performance.now() - acknowledged);
            break;
          }
          if (performance.now() - acknowledged > LAG_GIVE_UP_MS) {
            missed++;
            break;
          }
          await Bun.sleep(LAG_PROBE_MS);
        }
      }
    };
    await Promise.all(Array.from({ length: LAG_WRITERS }, writer));
    const { p50, p99 } = percentiles(lags);
    results.clusterSearch.push({
      measure: CLUSTER_SEARCH.lag,
      subject: "2 server processes, poll 100 ms (default)",
      samples: lags.length,
      p50Ms: p50,
      p99Ms: p99,
      note: `${LAG_WRITERS} writers, B asked every ${LAG_PROBE_MS} ms; max ${Math.max(...lags).toFixed(0)} ms; ${missed} not found within ${LAG_GIVE_UP_MS / 1000} s`,
    });
  } finally {
    for (const child of children) await child.stop();
    removeDir(dir);
  }
}

async function measureSearch(results: Results, cluster: TestCluster, n: number, queries: number): Promise<void> {
  const vectors = makeVectors("uniform", n, DIM, 1);
  const entry = (i: number) => ({
    tenantId: TENANT,
    contextHash: BigInt(i % 1000),
    timestamp: BigInt(i),
    embedding: vectors[i] as Uint8Array,
    payloadBlob: new Uint8Array(64),
  });
  const root = join(freshDir("cluster-search"), "root");
  const nvme = new NvmeStorage(root, { durability: "atomic", handleCache: { maxEntries: 0 }, sweepTempFiles: false });
  const writer = await RedisClusterStore.open({
    nodes: cluster.seeds,
    namespace: "bench-search",
    durability: "atomic",
    sweepIntervalMs: 0,
  });
  let reader: RedisClusterStore | undefined;
  try {
    for (let i = 0; i < n; i++) nvme.storeSync(BigInt(i), entry(i)).release();
    await nvme.lookupReady();
    const fillStart = performance.now();
    for (let start = 0; start < n; start += 64) {
      const batch = Array.from({ length: Math.min(64, n - start) }, (_, k) => start + k);
      await Promise.all(batch.map(async (i) => (await writer.store(BigInt(i), entry(i))).release()));
    }
    const fillSeconds = (performance.now() - fillStart) / 1000;
    await writer.quit();
    reader = await RedisClusterStore.open({ nodes: cluster.seeds, namespace: "bench-search", sweepIntervalMs: 0 });
    const random = new VectorSource(11);
    const asked = Array.from({ length: queries }, () => {
      const source = Math.floor(random.uniform() * n);
      return nearDuplicate(vectors[source] as Uint8Array, 0.9 + 0.05 * random.uniform(), random);
    });
    const buildStart = performance.now();
    const first = await reader.search(TENANT, asked[0] as Uint8Array);
    const buildSeconds = (performance.now() - buildStart) / 1000;
    const built = reader.lookupStats();
    results.clusterSearch.push({
      measure: CLUSTER_SEARCH.build,
      subject: CLUSTER_SEARCH_SUBJECTS.cluster,
      samples: 1,
      p50Ms: buildSeconds * 1000,
      p99Ms: Number.NaN,
      note: `${n} x ${DIM}: ${built.entries} entries, index ${(built.bytes / 2 ** 20).toFixed(0)} MiB; first query ${first.length} hit(s); the cluster was filled at ${(n / fillSeconds).toFixed(0)} stores/s (64 in flight, atomic)`,
    });
    for (const query of asked.slice(0, WARM_UP_QUERIES)) {
      await reader.search(TENANT, query);
      await nvme.search(TENANT, query);
    }
    Bun.gc(true);
    const times = { cluster: [] as number[], nvme: [] as number[] };
    let agree = 0;
    const cluster1 = reader;
    for (const [q, query] of asked.entries()) {
      const found: Record<"cluster" | "nvme", bigint | undefined> = { cluster: undefined, nvme: undefined };
      for (const subject of q % 2 === 0 ? (["cluster", "nvme"] as const) : (["nvme", "cluster"] as const)) {
        const start = performance.now();
        const hits = await (subject === "cluster" ? cluster1 : nvme).search(TENANT, query);
        times[subject].push(performance.now() - start);
        found[subject] = hits[0]?.entryId;
      }
      if (found.cluster === found.nvme) agree++;
    }
    const direct = cluster1.lookupStats().directGets;
    for (const subject of ["nvme", "cluster"] as const) {
      const { p50, p99 } = percentiles(times[subject]);
      results.clusterSearch.push({
        measure: `${CLUSTER_SEARCH.search} of ${n} x ${DIM}`,
        subject: CLUSTER_SEARCH_SUBJECTS[subject],
        samples: times[subject].length,
        p50Ms: p50,
        p99Ms: p99,
        note:
          subject === "cluster"
            ? `same top hit as NvmeStorage on ${agree}/${queries} queries; each hit re-read from the cluster, the read started during the scan (${direct.direct} of ${direct.direct + direct.viaCluster} straight to the slot's master)`
            : "the reference (same vectors, same queries, interleaved)",
      });
    }
  } finally {
    nvme.close();
    await reader?.quit();
    removeDir(join(root, ".."));
  }
}

async function measureIdleTail(results: Results, cluster: TestCluster, pollMs: number, ms: number): Promise<void> {
  const store = await RedisClusterStore.open({
    nodes: cluster.seeds,
    namespace: "bench-idle",
    durability: "atomic",
    sweepIntervalMs: 0,
    changeLogPollMs: pollMs,
  });
  try {
    (await store.store(1n, { ...idleEntry(), tenantId: 2n })).release();
    await store.search(2n, idleEntry().embedding); // the tenant is tailed from now on
    const masters = await cluster.masterPorts();
    const pids = cluster.nodes.filter((node) => masters.includes(node.port)).map((node) => node.pid as number);
    const redisBefore = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const before = process.cpuUsage();
    await Bun.sleep(ms);
    const used = process.cpuUsage(before);
    const redisSeconds = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - redisBefore;
    const percent = (seconds: number) => `${((seconds / (ms / 1000)) * 100).toFixed(1)}%`;
    results.clusterSearch.push({
      measure: CLUSTER_SEARCH.idle,
      subject: pollMs === 0 ? "no tailing (poll off): the baseline" : `poll every ${pollMs} ms`,
      samples: pollMs === 0 ? 0 : Math.floor(ms / pollMs),
      p50Ms: Number.NaN,
      p99Ms: Number.NaN,
      note: `CPU of one core over ${ms / 1000} s: this process ${percent((used.user + used.system) / 1e6)}, the 3 masters ${percent(redisSeconds)}${pollMs === 0 ? "" : " (16 tail scripts a poll)"}`,
    });
  } finally {
    await store.quit();
  }
}

function idleEntry() {
  return {
    tenantId: 2n,
    contextHash: 1n,
    timestamp: 1n,
    embedding: new Uint8Array(new Float16Array([1, 0, 0, 0]).buffer),
    payloadBlob: new Uint8Array(8),
  };
}
