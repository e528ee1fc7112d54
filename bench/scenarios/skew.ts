/**
 * Scenario 7: skewed loads. An LLM cache is hit like a web cache: a few popular prompts
 * among many cached entries. Loads of the same key, of 8 hot keys in turn, and of keys
 * drawn from Zipf(1.0), through an unbounded store and a bounded one (whose retention
 * index records every access), with 10k entries and (full mode) 1M tiny entries known
 * to the index and to the handle cache. Also the retention index's heap per entry.
 */
import { join } from "node:path";
import { NvmeStorage, type NvmeStorageOptions } from "@reflex/core";
import { freshDir, freshMemoryDir, makeEntry, removeDir } from "../fixtures.ts";
import { currentMode, type Figure, measureSideBySide } from "../harness.ts";
import type { Results } from "../results.ts";

/** Group name of one entry count and workload, shared with the targets. */
export const skewGroup = (count: number, workload: string) => `${workload}, ${count.toLocaleString("en")} entries`;

/** The workloads, by name. */
export const SKEW_WORKLOADS = ["same key", "8 hot keys", "Zipf(1.0)"] as const;

/** A seeded Zipf(s) sampler over ranks 0..n-1 (inverse CDF by binary search). */
function zipfSampler(n: number, s: number, seed: number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** s;
    cdf[i] = sum;
  }
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    const u = (state / 2147483648) * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** The next id of each workload over `count` ids (the Zipf ranks land on scattered ids). */
function workloads(count: number): Record<(typeof SKEW_WORKLOADS)[number], () => bigint> {
  const ids = Array.from({ length: count }, (_, i) => BigInt((i * 7919) % count));
  const hot = [1, 500, 999, 2000, 3333, 4444, 7000, 9000].map((i) => ids[i % count] as bigint);
  let turn = 0;
  const zipf = zipfSampler(count, 1.0, 12345);
  return {
    "same key": () => ids[42] as bigint,
    "8 hot keys": () => hot[turn++ & 7] as bigint,
    "Zipf(1.0)": () => ids[zipf()] as bigint,
  };
}

/** Where `count` entries go: tmpfs for a million tiny files. */
function rootFor(count: number): { dir: string; root: string } {
  const dir = count > 100_000 ? freshMemoryDir(`skew-${count}`) : freshDir(`skew-${count}`);
  return { dir, root: join(dir, "reflex") };
}

async function skewAt(results: Results, count: number, payloadBytes: number): Promise<void> {
  const { dir, root } = rootFor(count);
  const entry = makeEntry(1n, payloadBytes);
  const writer = new NvmeStorage(root, { durability: "atomic", handleCache: { maxEntries: 0 } });
  for (let id = 0; id < count; id++) writer.storeSync(BigInt(id), entry).release();
  writer.close();

  const cache = { maxEntries: Math.max(4096, count), maxBytes: 2 ** 31 };
  const variants: [string, NvmeStorageOptions][] = [
    ["unbounded", { handleCache: cache, sweepTempFiles: false }],
    ["bounded", { handleCache: cache, sweepTempFiles: false, retention: { tenantMaxEntries: count * 2 } }],
  ];
  const stores: { name: string; store: NvmeStorage }[] = [];
  for (const [name, options] of variants) {
    Bun.gc(true);
    const heapBefore = process.memoryUsage().heapUsed;
    const store = new NvmeStorage(root, options);
    await store.retentionReady();
    Bun.gc(true);
    if (name === "bounded") {
      const perEntry = (process.memoryUsage().heapUsed - heapBefore) / count;
      results.notes.push(
        `skew: the retention index of ${count.toLocaleString("en")} entries takes ${perEntry.toFixed(0)} B of heap per entry`,
      );
    }
    for (let id = 0; id < count; id++) store.loadSync(BigInt(id), 1n).release(); // every file into the cache
    stores.push({ name, store });
  }
  let sink = 0;
  for (const workload of SKEW_WORKLOADS) {
    const contenders = stores.map(({ store }) => {
      const next = workloads(count)[workload];
      return {
        fn: () => {
          const handle = store.loadSync(next(), 1n);
          sink += handle.fileBytes;
          handle.release();
        },
      };
    });
    const figures = await measureSideBySide(contenders);
    for (const [i, { name }] of stores.entries()) {
      results.add({
        scenario: "skew",
        group: skewGroup(count, workload),
        subject: `reflex loadSync (${name})`,
        figure: figures[i] as Figure,
        ...(i === 0 ? { reference: true, referenceLabel: "unbounded" } : {}),
        note: `handle cache holds all ${count.toLocaleString("en")}${name === "bounded" ? "; retention index records each access" : ""}`,
      });
    }
  }
  for (const { store } of stores) store.close();
  removeDir(dir);
  if (sink === 42) console.log("");
}

/** Runs scenario 7: 10k entries of 1 KiB; in full mode also 1M entries of 64 B. */
export async function runSkew(results: Results): Promise<void> {
  await skewAt(results, 10_000, 1024);
  if (!currentMode().quick) await skewAt(results, 1_000_000, 64);
}
