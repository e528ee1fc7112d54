/**
 * Scenario 7: search. One tenant of N x 768-dim f16 embeddings (100k; quick 10k), on
 * uniform random and on clustered data. Per near-duplicate query (a stored vector
 * plus noise, cosine 0.9-0.95), in rotating order: reflex `search` k=1 (sketch
 * prefilter + exact rescoring), reflex `search` exact, a brute-force TS scan over
 * unit f32 rows, and usearch `exactSearch` (native SIMD, f32) as the limit.
 * Recall@1 against the brute-force scan (same threshold 0.9). Then the open of the
 * uniform store until its index is ready, and store/delete with the index on vs off. Then
 * search scoped to a context hash (scoped-search.ts).
 */
import { join } from "node:path";
import { NvmeStorage } from "@reflex/core";
import { f16Values, VectorSource } from "@reflex/testkit";
import usearch from "usearch";
import { serverEnv, startChild } from "../child-server.ts";
import { freshDir, removeDir } from "../fixtures.ts";
import { currentMode, type Figure, measureSideBySide } from "../harness.ts";
import { fetchLoad, poolResults, runLoops } from "../http-client.ts";
import type { Results, SearchPoint } from "../results.ts";
import { bruteForceTop1, type Dataset, flatUnit, makeVectors, nearDuplicate } from "../search-data.ts";
import { HTTP_CONNECTIONS } from "./http.ts";
import { runScopedSearch } from "./scoped-search.ts";

const { exactSearch, MetricKind } = usearch;

const DIM = 768;
const TENANT = 1n;
const MIN_SIMILARITY = 0.9;
export const SEARCH_SUBJECTS = {
  approximate: "reflex search k=1",
  exact: "reflex search exact:true",
  brute: "brute-force TS scan",
  usearch: "usearch exactSearch",
} as const;
export const OVERHEAD_GROUPS = {
  storeAtomic: "search index: atomic storeSync 768-dim",
  storeFsync: "search index: fsync storeSync 768-dim",
  delete: "search index: atomic deleteSync",
} as const;
export const HTTP_SEARCH = "HTTP POST search k=1 (reflex server)";
export const IN_PROCESS_SEARCH = "in-process search k=1";
export const INDEX_ON = "lookup index on";
export const INDEX_OFF = "lookup: false";

function percentiles(samplesMs: number[]): { p50: number; p99: number } {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

function unitF32(bytes: Uint8Array): Float32Array {
  const values = f16Values(bytes);
  let sum = 0;
  for (const v of values) sum += v * v;
  return Float32Array.from(values, (v) => v / Math.sqrt(sum));
}

/** Fills a store, measures the four subjects per query and recall; returns the store's root (still open). */
async function measureDataset(results: Results, dataset: Dataset, n: number, queries: number) {
  const vectors = makeVectors(dataset, n, DIM, dataset === "uniform" ? 1 : 2);
  const root = join(freshDir(`search-${dataset}`), "root");
  const store = new NvmeStorage(root, { durability: "atomic", handleCache: { maxEntries: 0 }, sweepTempFiles: false });
  const payloadBlob = new Uint8Array(64);
  const fillStart = performance.now();
  for (const [i, embedding] of vectors.entries()) {
    store
      .storeSync(BigInt(i), {
        tenantId: TENANT,
        contextHash: BigInt(i % 1000),
        timestamp: BigInt(i),
        embedding,
        payloadBlob,
      })
      .release();
  }
  const fillSeconds = (performance.now() - fillStart) / 1000;
  await store.lookupReady();
  const flat = flatUnit(vectors, DIM);
  const random = new VectorSource(dataset === "uniform" ? 11 : 12);
  const asked = Array.from({ length: queries }, () => {
    const source = Math.floor(random.uniform() * n);
    return nearDuplicate(vectors[source] as Uint8Array, 0.9 + 0.05 * random.uniform(), random);
  });
  const times: Record<keyof typeof SEARCH_SUBJECTS, number[]> = { approximate: [], exact: [], brute: [], usearch: [] };
  let agree = 0;
  let usearchAgree = 0;
  let withHit = 0;
  const subjects = Object.keys(SEARCH_SUBJECTS) as (keyof typeof SEARCH_SUBJECTS)[];
  for (const [q, query] of asked.entries()) {
    const unit = unitF32(query);
    const found: Partial<Record<keyof typeof SEARCH_SUBJECTS, number>> = {};
    for (let k = 0; k < subjects.length; k++) {
      const subject = subjects[(k + q) % subjects.length] as keyof typeof SEARCH_SUBJECTS;
      const start = performance.now();
      if (subject === "approximate" || subject === "exact") {
        const hits = await store.search(TENANT, query, { exact: subject === "exact" });
        found[subject] = hits.length === 0 ? -1 : Number(hits[0]?.entryId);
      } else if (subject === "brute") {
        const best = bruteForceTop1(flat, DIM, unit);
        found.brute = best.similarity >= MIN_SIMILARITY ? best.row : -1;
      } else {
        const matches = exactSearch(flat, unit, DIM, 1, MetricKind.Cos);
        const row = Number(matches.keys[0]);
        found.usearch = 1 - (matches.distances[0] as number) >= MIN_SIMILARITY ? row : -1;
      }
      times[subject].push(performance.now() - start);
    }
    if (found.brute !== -1) withHit++;
    if (found.approximate === found.brute) agree++;
    if (found.usearch === found.brute) usearchAgree++;
  }
  for (const subject of subjects) {
    const { p50, p99 } = percentiles(times[subject]);
    const recall =
      subject === "approximate" ? agree / queries : subject === "usearch" ? usearchAgree / queries : undefined;
    results.search.push({
      dataset,
      entries: n,
      subject: SEARCH_SUBJECTS[subject],
      queries,
      p50Ms: p50,
      p99Ms: p99,
      ...(recall === undefined ? {} : { recallAt1: recall }),
      note:
        subject === "approximate"
          ? `${withHit}/${queries} queries have a hit >= ${MIN_SIMILARITY}; fill ${fillSeconds.toFixed(1)} s`
          : subject === "brute"
            ? "ground truth of recall@1"
            : "",
    } satisfies SearchPoint);
  }
  return { store, root, asked };
}

/** Scenario 7. */
export async function runSearch(results: Results): Promise<void> {
  const quick = currentMode().quick;
  const n = quick ? 10_000 : 100_000;
  const queries = quick ? 60 : 200;
  for (const dataset of ["uniform", "clustered"] as const) {
    const { store, root, asked } = await measureDataset(results, dataset, n, queries);
    if (dataset === "uniform") {
      store.close();
      const start = performance.now();
      const reopened = new NvmeStorage(root, { handleCache: { maxEntries: 0 }, sweepTempFiles: false });
      await reopened.lookupReady();
      const openSeconds = (performance.now() - start) / 1000;
      const stats = reopened.lookupStats();
      const same = await reopened.search(TENANT, asked[0] as Uint8Array);
      results.searchOpen = {
        entries: n,
        seconds: openSeconds,
        indexMiB: (stats?.bytes ?? 0) / 2 ** 20,
        firstQueryHits: same.length,
      };
      reopened.close();
      await measureThroughput(results, root, asked, n, quick ? 1500 : 6000);
    } else store.close();
    removeDir(join(root, ".."));
  }
  await measureOverhead(results, quick);
  await runScopedSearch(results); // scoped to a context hash, and the base commit side by side (scoped-search.ts)
}

/**
 * Searches per second at 64 in flight: over HTTP against a Reflex server (a child
 * process) on the same root, and in process, in interleaved rounds, same queries.
 */
async function measureThroughput(results: Results, root: string, asked: readonly Uint8Array[], n: number, ms: number) {
  const server = await startChild(["bun", "apps/server/src/main.ts", "--port", "0", "--quiet"], serverEnv(root));
  // Read-only: the server beside it holds the root's writer lock; a search needs none.
  const store = new NvmeStorage(root, { readOnly: true, handleCache: { maxEntries: 0 }, sweepTempFiles: false });
  try {
    await store.lookupReady();
    const body = (query: Uint8Array) =>
      new TextEncoder().encode(JSON.stringify({ embedding: Buffer.from(query).toString("base64") }));
    const bodies = asked.slice(0, 16).map(body);
    const warm = await fetch(`${server.url}/v1/tenants/${TENANT}/search`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: bodies[0] as Uint8Array,
    });
    if (warm.status !== 200) throw new Error(`search over HTTP answered ${warm.status}: ${await warm.text()}`);
    const http: ReturnType<typeof poolResults>[] = [];
    const local: ReturnType<typeof poolResults>[] = [];
    const rounds = currentMode().rounds;
    const spec = (i: number) => ({
      method: "POST" as const,
      path: () => `/v1/tenants/${TENANT}/search`,
      headers: { "Content-Type": "application/json" },
      body: bodies[i % bodies.length] as Uint8Array,
      okStatus: [200],
    });
    for (let round = 0; round < rounds; round++) {
      const runHttp = async () =>
        http.push(poolResults([await fetchLoad(server.url, spec(round), HTTP_CONNECTIONS, ms / rounds)]));
      const runLocal = async () => {
        const query = asked[round % asked.length] as Uint8Array;
        local.push(
          poolResults([
            await runLoops(
              HTTP_CONNECTIONS,
              ms / rounds,
              async () => (await store.search(TENANT, query)).length > 0,
              "in process",
            ),
          ]),
        );
      };
      if (round % 2 === 0) {
        await runHttp();
        await runLocal();
      } else {
        await runLocal();
        await runHttp();
      }
    }
    for (const [subject, pooled] of [
      [HTTP_SEARCH, http],
      [IN_PROCESS_SEARCH, local],
    ] as const) {
      const requests = pooled.reduce((sum, p) => sum + p.requests, 0);
      const seconds = pooled.reduce((sum, p) => sum + p.seconds, 0);
      const errors = pooled.reduce((sum, p) => sum + p.errors, 0);
      results.search.push({
        dataset: "uniform",
        entries: n,
        subject,
        queries: requests,
        p50Ms: pooled.reduce((sum, p) => sum + p.p50Ms, 0) / pooled.length,
        p99Ms: pooled.reduce((sum, p) => sum + p.p99Ms, 0) / pooled.length,
        rps: requests / seconds,
        note: `${HTTP_CONNECTIONS} in flight, ${(requests / seconds).toFixed(0)} searches/s, ${errors} errors${subject === HTTP_SEARCH ? "; server in a child process, fetch client" : ""}`,
      });
    }
  } finally {
    store.close();
    await server.stop();
  }
}

/** Store and delete of 768-dim entries with the lookup index on vs off, side by side. */
async function measureOverhead(results: Results, quick: boolean): Promise<void> {
  const dir = freshDir("search-overhead");
  const vectors = makeVectors("uniform", quick ? 2000 : 10_000, DIM, 3);
  const payloadBlob = new Uint8Array(4096);
  const open = (name: string, durability: "atomic" | "fsync", lookup: boolean) =>
    new NvmeStorage(join(dir, `${name}-${durability}`), {
      durability,
      handleCache: { maxEntries: 0 },
      sweepTempFiles: false,
      ...(lookup ? {} : { lookup: false as const }),
    });
  const entry = (i: number) => ({
    tenantId: TENANT,
    contextHash: 7n,
    timestamp: BigInt(i),
    embedding: vectors[i % vectors.length] as Uint8Array,
    payloadBlob,
  });
  try {
    for (const [group, durability] of [
      [OVERHEAD_GROUPS.storeAtomic, "atomic"],
      [OVERHEAD_GROUPS.storeFsync, "fsync"],
    ] as const) {
      const stores = [open("on", durability, true), open("off", durability, false)];
      const figures = await measureSideBySide(
        stores.map((store) => {
          let id = 0;
          return { fn: () => store.storeSync(BigInt(id), entry(id++)).release(), options: { maxWarmupCalls: 200 } };
        }),
      );
      record(results, group, figures);
      for (const store of stores) store.close();
    }
    const pool = quick ? 3000 : 20_000;
    const stores = [open("del-on", "atomic", true), open("del-off", "atomic", false)];
    for (const store of stores) for (let i = 0; i < pool; i++) store.storeSync(BigInt(i), entry(i)).release();
    const figures = await measureSideBySide(
      stores.map((store) => {
        let id = 0;
        return { fn: () => store.deleteSync(BigInt(id++), TENANT), options: { maxCalls: Math.floor(pool * 0.8) } };
      }),
    );
    record(results, OVERHEAD_GROUPS.delete, figures);
    for (const store of stores) store.close();
  } finally {
    removeDir(dir);
  }
}

function record(results: Results, group: string, figures: readonly Figure[]): void {
  results.add({ scenario: "search", group, subject: INDEX_ON, figure: figures[0] as Figure });
  results.add({
    scenario: "search",
    group,
    subject: INDEX_OFF,
    figure: figures[1] as Figure,
    reference: true,
    referenceLabel: "index off",
  });
}
