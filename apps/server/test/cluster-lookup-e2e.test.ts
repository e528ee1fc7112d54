// Search and the exact lookup across two real server processes (`bun src/main.ts
// --redis-cluster`) on one real cluster: what one stores, overwrites or deletes the other's
// lookups reflect; a server restarted, or paused past what the change logs keep, catches up.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RedisClusterStore } from "@reflex/redis-cluster";
import { useCluster } from "@reflex/redis-cluster/test-cluster";
import { Cluster } from "ioredis";
import { removeServerLogs, type ServerProcess, startServerProcess } from "./server-process.ts";

const harness = useCluster();
const servers: ServerProcess[] = [];
let a: ServerProcess;
let b: ServerProcess;

async function serve(): Promise<ServerProcess> {
  const server = await startServerProcess(["--redis-cluster", harness.cluster.seeds]);
  servers.push(server);
  return server;
}

beforeAll(async () => {
  [a, b] = await Promise.all([serve(), serve()]);
}, 60_000);
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  removeServerLogs();
}, 30_000);

function f16Base64(values: readonly number[]): string {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (const [i, value] of values.entries()) view.setFloat16(i * 2, value, true);
  return Buffer.from(bytes).toString("base64");
}

const json = { "Content-Type": "application/json" };

async function put(server: ServerProcess, tenant: number, id: string | bigint, values: number[], hash = 7) {
  return fetch(`${server.url}/v1/tenants/${tenant}/entries/${id}`, {
    method: "PUT",
    headers: json,
    body: JSON.stringify({ contextHash: String(hash), timestamp: "1700000000", embedding: f16Base64(values) }),
  });
}

async function search(
  server: ServerProcess,
  tenant: number,
  values: number[],
  k = 10,
  exact = false,
): Promise<string[]> {
  const res = await fetch(`${server.url}/v1/tenants/${tenant}/search`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ embedding: f16Base64(values), k, exact }),
  });
  if (res.status !== 200) throw new Error(`search: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { hits: { id: string }[] }).hits.map((hit) => hit.id);
}

async function byHash(server: ServerProcess, tenant: number, hash: number): Promise<string[]> {
  const res = await fetch(`${server.url}/v1/tenants/${tenant}/entries?contextHash=${hash}&limit=10000`);
  if (res.status !== 200) throw new Error(`contextHash lookup: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { ids: string[] }).ids;
}

/** Polls `probe` until it returns true, at most `ms`; resolves with whether it did. */
async function eventually(probe: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const until = performance.now() + ms;
  for (;;) {
    try {
      if (await probe()) return true;
    } catch {
      // a server answering 503 while the cluster fails over: ask again
    }
    if (performance.now() > until) return false;
    await Bun.sleep(25);
  }
}

const sorted = (ids: Iterable<string>) => [...ids].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));

describe("two servers on one cluster", () => {
  test("a write on A is found on B; an overwrite or delete on A is never answered stale by B", async () => {
    expect(await search(b, 1, [1, 0, 0])).toEqual([]); // B builds tenant 1
    expect((await put(a, 1, "1", [1, 0, 0], 7)).status).toBe(201);
    const putAt = performance.now();
    expect(await eventually(async () => (await search(b, 1, [1, 0, 0])).includes("1"))).toBe(true);
    const lagMs = performance.now() - putAt;
    expect(await byHash(b, 1, 7)).toEqual(["1"]);
    // Overwritten on A: B's very next search re-checks the hit against the cluster.
    expect((await put(a, 1, "1", [0, 0, 1], 8)).status).toBe(200);
    expect(await search(b, 1, [1, 0, 0])).toEqual([]);
    expect(await byHash(b, 1, 7)).toEqual([]);
    expect(await eventually(async () => (await search(b, 1, [0, 0, 1])).includes("1"))).toBe(true);
    expect(await byHash(b, 1, 8)).toEqual(["1"]);
    // Deleted on A: gone from B's answers at once, and from its index after the next poll.
    expect((await fetch(`${a.url}/v1/tenants/1/entries/1`, { method: "DELETE" })).status).toBe(204);
    expect(await search(b, 1, [0, 0, 1])).toEqual([]);
    expect(await byHash(b, 1, 8)).toEqual([]);
    console.log(`A -> B: a write found by a search on B after ${lagMs.toFixed(0)} ms`);
  }, 30_000);

  test("B killed and started again while A writes: the new B finds every acknowledged write", async () => {
    const tenant = 2;
    expect(await byHash(b, tenant, 7)).toEqual([]);
    const acknowledged = new Set<string>();
    const writes = (async () => {
      for (let i = 0; i < 300; i++) {
        const id = String(1000 + i);
        if ((await put(a, tenant, id, [1, i / 300, 0])).status === 201) acknowledged.add(id);
      }
    })();
    await Bun.sleep(200);
    b.process.kill("SIGKILL");
    await b.process.exited;
    b = await serve();
    await writes;
    expect(acknowledged.size).toBe(300);
    expect(await eventually(async () => (await byHash(b, tenant, 7)).length === 300)).toBe(true);
    expect(sorted(await byHash(b, tenant, 7))).toEqual(sorted(acknowledged));
    expect((await search(b, tenant, [1, 150 / 300, 0], 1))[0]).toBe("1150");
  }, 60_000);

  test("B paused while more is written than the change logs keep: after it resumes it rebuilds and answers exactly", async () => {
    const tenant = 3;
    let writer: RedisClusterStore | undefined;
    let raw: Cluster | undefined;
    try {
      // The default namespace the servers use; writes at full speed, from this process.
      writer = await harness.open({ namespace: "reflex", durability: "atomic", writeConnections: 4 });
      const entry = (i: number) => ({
        tenantId: BigInt(tenant),
        contextHash: BigInt(i % 3),
        timestamp: 1_700_000_000n,
        embedding: new Uint8Array(new Float16Array([1, i / 30_000, 0]).buffer),
        payloadBlob: new Uint8Array(8),
      });
      for (let i = 0; i < 30; i++) (await writer.store(BigInt(i), entry(i))).release();
      expect((await byHash(b, tenant, 0)).length).toBe(10); // B indexes tenant 3
      b.process.kill("SIGSTOP");
      const TOTAL = 24_000; // 1,500 per bucket of 16: past the 1,000 records (MAXLEN ~) each log keeps
      const w = writer;
      for (let start = 30; start < TOTAL; start += 256) {
        const ids = Array.from({ length: Math.min(256, TOTAL - start) }, (_, k) => start + k);
        await Promise.all(ids.map(async (i) => (await w.store(BigInt(i), entry(i))).release()));
      }
      for (let i = 0; i < 30; i++) await writer.delete(BigInt(i * 3), BigInt(tenant)); // hash 0 loses 30
      raw = new Cluster([{ host: "127.0.0.1", port: harness.cluster.nodes[0]?.port ?? 0 }]);
      const logLength = await raw.xlen(`{reflex:t${tenant}:b0}:log`);
      expect(logLength).toBeLessThan(1500); // the premise: records B has not read were trimmed
      b.process.kill("SIGCONT");
      const expected = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => i % 3 === 0 && i >= 90);
      expect(await eventually(async () => (await byHash(b, tenant, 0)).length === expected.length, 20_000)).toBe(true);
      expect(sorted(await byHash(b, tenant, 0))).toEqual(expected.map(String));
      expect(await search(b, tenant, [1, 12_345 / 30_000, 0], 1)).toEqual(["12345"]);
    } finally {
      b.process.kill("SIGCONT");
      await writer?.quit();
      raw?.disconnect();
    }
  }, 90_000);
});

test("a master failover during writes on A and lookups and searches on B: both servers converge on the acknowledged writes", async () => {
  const tenant = 4;
  const cluster = harness.cluster;
  const acknowledged = new Set<string>();
  const attempted = new Set<string>();
  const stale: string[] = [];
  let searches = 0;
  let searchErrors = 0;
  let vectorSearches = 0;
  let vectorErrors = 0;
  let stop = false;
  /** Writer `w`'s `n`th entry: up to 20 of a writer's entries share one (n % 100). */
  const embeddingOf = (w: number, n: number) => [1, (n % 100) / 100, w / 8];
  expect(await byHash(b, tenant, 7)).toEqual([]);
  const writer = async (w: number) => {
    for (let n = 0; n < 2000 && !stop; n++) {
      const id = String(w * 100_000 + n);
      attempted.add(id);
      try {
        if ((await put(a, tenant, id, embeddingOf(w, n))).status === 201) acknowledged.add(id);
      } catch {
        // a connection reset: outcome unknown, like a 503
      }
    }
  };
  const searcher = async () => {
    while (!stop) {
      try {
        for (const id of await byHash(b, tenant, 7)) if (!attempted.has(id)) stale.push(id);
        searches++;
      } catch {
        searchErrors++;
      }
      await Bun.sleep(20);
    }
  };
  // Vector searches re-check their hits with single GETs straight to the slot's master: the
  // failover moves slots under them.
  const vectorSearcher = async () => {
    for (let i = 0; !stop; i++) {
      try {
        for (const id of await search(b, tenant, embeddingOf(i % 8, i), 10)) if (!attempted.has(id)) stale.push(id);
        vectorSearches++;
      } catch {
        vectorErrors++;
      }
      await Bun.sleep(10);
    }
  };
  const load = Promise.all([...Array.from({ length: 8 }, (_, w) => writer(w)), searcher(), vectorSearcher()]);
  const started = performance.now();
  await Bun.sleep(1500);
  const victim = (await cluster.masterPorts())[0] as number;
  cluster.kill(victim);
  for (const until = performance.now() + 30_000; performance.now() < until; ) {
    const masters: number[] = await cluster.masterPorts().catch(() => []);
    if (masters.length === 3 && !masters.includes(victim)) break;
    await Bun.sleep(100);
  }
  cluster.restart(victim);
  await cluster.waitHealthy();
  await Bun.sleep(1500);
  stop = true;
  await load;
  // What the cluster holds now is the truth both servers must converge on.
  const truth = async () => {
    const ids: string[] = [];
    for (let after = ""; ; ) {
      const res = await fetch(`${a.url}/v1/tenants/${tenant}/entries?limit=10000${after}`);
      const page = (await res.json()) as { ids: string[]; next: string | null };
      ids.push(...page.ids);
      if (page.next === null) return ids;
      after = `&after=${page.next}`;
    }
  };
  const held = await truth();
  const converged = async (server: ServerProcess) =>
    eventually(
      async () => JSON.stringify(sorted(await byHash(server, tenant, 7))) === JSON.stringify(sorted(held)),
      20_000,
    );
  expect(await converged(a)).toBe(true);
  expect(await converged(b)).toBe(true);
  // B's vector search finds what the cluster holds, and nothing else: 40 held entries spread
  // over the writers, each by its own embedding (k 40 covers the up to 20 that share it), exact;
  // then the embeddings of writes that failed, whose hits must all be held ones.
  const heldSet = new Set(held);
  const embeddingOfId = (id: string) => embeddingOf(Math.floor(Number(id) / 100_000), Number(id) % 100_000);
  const unfound: string[] = [];
  const notHeld: string[] = [];
  const step = Math.max(1, Math.floor(held.length / 40));
  const sampleUntil = performance.now() + 20_000; // a regression fails with its list, not the test's timeout
  for (let i = 0; i < held.length; i += step) {
    const id = held[i] as string;
    let hits: string[] = [];
    await eventually(
      async () => {
        hits = await search(b, tenant, embeddingOfId(id), 40, true);
        return hits.includes(id);
      },
      Math.max(0, Math.min(5_000, sampleUntil - performance.now())),
    );
    if (!hits.includes(id)) unfound.push(id);
    notHeld.push(...hits.filter((hit) => !heldSet.has(hit)));
  }
  for (const id of [...attempted].filter((id) => !heldSet.has(id)).slice(0, 20)) {
    notHeld.push(...(await search(b, tenant, embeddingOfId(id), 40, true)).filter((hit) => !heldSet.has(hit)));
  }
  const missing = [...acknowledged].filter((id) => !heldSet.has(id));
  // B's own count of how its re-checks went (the direct path was in use; whether a refused hit
  // came up depends on whether the failover lost a write).
  const metrics = await (await fetch(`${b.url}/metrics`)).text();
  const figure = (series: string) =>
    Number(
      metrics
        .split("\n")
        .find((l) => l.startsWith(`${series} `))
        ?.split(" ")[1],
    );
  const direct = figure('reflex_cluster_lookup_recheck_gets_total{path="direct"}');
  console.log(
    `failover on B: ${direct} re-check GETs direct, ${figure('reflex_cluster_lookup_recheck_gets_total{path="cluster"}')} ` +
      `through ioredis (${figure("reflex_cluster_lookup_recheck_direct_failures_total")} direct ones failed), ` +
      `${figure("reflex_cluster_lookup_builds_total")} builds, ${figure("reflex_cluster_lookup_refused_total")} hits refused`,
  );
  expect(direct).toBeGreaterThan(0);
  console.log(
    `failover: master ${victim} killed; ${attempted.size} writes tried, ${acknowledged.size} acknowledged, ${held.length} held; ` +
      `${searches} lookups (${searchErrors} failed) and ${vectorSearches} searches (${vectorErrors} failed) on B ` +
      `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  expect(unfound).toEqual([]);
  expect(notHeld).toEqual([]);
  expect(acknowledged.size).toBeGreaterThan(0);
  expect(missing).toEqual([]);
  expect(stale).toEqual([]);
}, 120_000);
