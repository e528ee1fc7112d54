/**
 * Scenario 8, part 2: search scoped to a context hash. One tenant of N x 768-dim f16 embeddings
 * (100k; quick 10k), near-duplicate queries (cosine 0.9-0.95 to a stored vector), threshold 0.9:
 *
 * - spread over 1,000 context hashes: `store.search({ contextHash })` on a real NvmeStorage
 *   (files, atomic), and the unscoped search of the same store, per query in rotating order;
 * - all in one context: the new index's scoped search against the *base* commit's index
 *   searching the same rows unscoped (what "today" was), side by side in one process, the
 *   subjects interleaved per query. The base index is imported from a checkout of the base
 *   commit named by `REFLEX_BENCH_BASE` (its packages/core; e.g.
 *   `git archive <base> packages/core | tar -x -C DIR`, and `ln -s $PWD/node_modules DIR/`);
 *   without it that comparison is skipped and said so.
 *
 * Recall@1: the hit is the stored vector the query was made from.
 *
 * @example
 * REFLEX_BENCH_BASE=/tmp/reflex-base bun bench/run.ts --only=search
 */
import { join } from "node:path";
import { NvmeStorage } from "@reflex/core";
import { LookupIndex, unitQuery } from "@reflex/core/lookup";
import { VectorSource } from "@reflex/testkit";
import { freshDir, removeDir } from "../fixtures.ts";
import { currentMode } from "../harness.ts";
import type { Results } from "../results.ts";
import { makeVectors, nearDuplicate } from "../search-data.ts";

const DIM = 768;
const TENANT = 1n;
const CONTEXTS = 1000;
export const SCOPED_SUBJECTS = {
  scoped: "scoped search (contextHash), 1,000 contexts",
  unscoped: "unscoped search, same store, 1,000 contexts",
  newOne: "new index: scoped search, all in one context",
  baseOne: "base index: unscoped search, all in one context",
} as const;

type Timed = { times: number[]; found: number };
type Query = { readonly source: number; readonly query: Uint8Array };

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function p99(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? Number.NaN;
}

/** Near-duplicate queries and the row each was made from. */
function queriesOf(vectors: readonly Uint8Array[], count: number, seed: number) {
  const random = new VectorSource(seed);
  return Array.from({ length: count }, () => {
    const source = Math.floor(random.uniform() * vectors.length);
    return { source, query: nearDuplicate(vectors[source] as Uint8Array, 0.9 + 0.05 * random.uniform(), random) };
  });
}

/** Runs `subjects` once per query each, in rotating order; times in ms and how many found their source. */
async function interleaved(
  queries: readonly Query[],
  subjects: Record<string, (query: Query) => Promise<bigint | undefined> | bigint | undefined>,
): Promise<Record<string, Timed>> {
  const names = Object.keys(subjects);
  const out: Record<string, Timed> = Object.fromEntries(names.map((name) => [name, { times: [], found: 0 }]));
  for (let warm = 0; warm < 20; warm++) for (const name of names) await subjects[name]?.(queries[warm] as Query);
  for (const [q, query] of queries.entries()) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + q) % names.length] as string;
      const start = performance.now();
      const hit = await subjects[name]?.(query);
      (out[name] as Timed).times.push(performance.now() - start);
      if (hit === BigInt(query.source)) (out[name] as Timed).found++;
    }
  }
  return out;
}

function push(results: Results, subject: string, entries: number, timed: Timed, queries: number, note: string) {
  results.search.push({
    dataset: "uniform",
    entries,
    subject,
    queries,
    p50Ms: median(timed.times),
    p99Ms: p99(timed.times),
    recallAt1: timed.found / queries,
    note,
  });
}

/** The scoped-search figures of scenario 8 (see the file comment). */
export async function runScopedSearch(results: Results): Promise<void> {
  const quick = currentMode().quick;
  const n = quick ? 10_000 : 100_000;
  const count = quick ? 200 : 1000;
  const vectors = makeVectors("uniform", n, DIM, 31);
  const queries = queriesOf(vectors, count, 32);
  const payloadBlob = new Uint8Array(64);
  const fields = (i: number, contextHash: bigint) => ({
    tenantId: TENANT,
    contextHash,
    timestamp: BigInt(i),
    embedding: vectors[i] as Uint8Array,
    payloadBlob,
  });

  // 1. Spread over 1,000 contexts, on a real store.
  const root = join(freshDir("scoped-search"), "root");
  const store = new NvmeStorage(root, { durability: "atomic", handleCache: { maxEntries: 0 }, sweepTempFiles: false });
  try {
    for (let i = 0; i < n; i++) store.storeSync(BigInt(i), fields(i, BigInt(i % CONTEXTS))).release();
    await store.lookupReady();
    const first = async (hits: Promise<{ entryId: bigint }[]>) => (await hits)[0]?.entryId;
    const spread = await interleaved(queries, {
      scoped: (q) => first(store.search(TENANT, q.query, { contextHash: BigInt(q.source % CONTEXTS) })),
      unscoped: (q) => first(store.search(TENANT, q.query)),
    });
    const perContext = `${n / CONTEXTS} rows per context`;
    push(results, SCOPED_SUBJECTS.scoped, n, spread.scoped as Timed, count, `${perContext}; NvmeStorage.search`);
    push(results, SCOPED_SUBJECTS.unscoped, n, spread.unscoped as Timed, count, "every context's set, one TopHits");
  } finally {
    store.close();
    removeDir(join(root, ".."));
  }

  // 2. All in one context: the new index scoped vs the base commit's index unscoped.
  const base = process.env.REFLEX_BENCH_BASE;
  if (base === undefined) {
    console.error("scoped search: REFLEX_BENCH_BASE not set; the base-commit comparison is skipped");
    return;
  }
  const old = (await import(join(base, "packages/core/src/lookup/index.ts"))) as typeof import("@reflex/core/lookup");
  const fresh = new LookupIndex({ maxBytes: 2 ** 40 });
  const before = new old.LookupIndex({ maxBytes: 2 ** 40 });
  for (let i = 0; i < n; i++) {
    const written = {
      tenantId: TENANT,
      entryId: BigInt(i),
      entry: fields(i, 7n),
      fileBytes: 1,
      replacedBytes: undefined,
      expiresAt: 0n,
    };
    fresh.written(written);
    before.written(written);
  }
  await Bun.sleep(10); // the deferred sketches are flushed on a later turn
  const all = () => true;
  const query = { k: 1, minSimilarity: 0.9, exact: false };
  const one = await interleaved(queries, {
    newOne: (q) =>
      fresh.searchWithNearest(TENANT, unitQuery(q.query), { ...query, contextHash: 7n }, { admit: all }).hits[0]?.entry
        .entryId,
    baseOne: (q) => before.search(TENANT, unitQuery(q.query), 1, 0.9, false, all)[0]?.entry.entryId,
  });
  const ratio = median((one.newOne as Timed).times) / median((one.baseOne as Timed).times);
  push(results, SCOPED_SUBJECTS.newOne, n, one.newOne as Timed, count, `${ratio.toFixed(3)}x the base index's p50`);
  push(results, SCOPED_SUBJECTS.baseOne, n, one.baseOne as Timed, count, `base commit from REFLEX_BENCH_BASE`);
}

if (import.meta.main) {
  const { Results } = await import("../results.ts");
  const results = new Results();
  await runScopedSearch(results);
  for (const p of results.search) {
    console.log(
      `${p.subject.padEnd(50)} n=${p.entries} p50 ${(p.p50Ms * 1000).toFixed(1)} µs  p99 ${(p.p99Ms * 1000).toFixed(1)} µs  recall@1 ${p.recallAt1?.toFixed(3)}  ${p.note}`,
    );
  }
}
