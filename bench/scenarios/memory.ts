/**
 * Scenario 5: RSS, heap, live mappings and the handle cache while loading many
 * distinct entries with the default store options.
 */
import { heapStats } from "bun:jsc";
import { NvmeStorage } from "@reflex/core";
import { filledTenant, shuffledIds, warmPageCache } from "../fixtures.ts";
import { currentMode } from "../harness.ts";
import type { MemoryPoint, Results } from "../results.ts";
import { scaleTenant, tenantSizes } from "./scale.ts";

const MAPPED_PAYLOAD_BYTES = 300 * 1024;
const MiB = 1024 * 1024;

function point(variant: string, loaded: number, store: NvmeStorage): MemoryPoint {
  const usage = store.cacheUsage;
  return {
    variant,
    loaded,
    rssMiB: process.memoryUsage.rss() / MiB,
    heapMiB: heapStats().heapSize / MiB,
    liveMappings: store.liveMappings,
    cacheEntries: usage.entries,
    cacheMiB: usage.bytes / MiB,
  };
}

/** A full GC, then a few event-loop turns so FinalizationRegistry callbacks (the mapping count) run. */
async function settle(): Promise<void> {
  Bun.gc(true);
  for (let i = 0; i < 3; i++) await Bun.sleep(1);
}

async function loadAll(
  results: Results,
  variant: string,
  root: string,
  tenantId: bigint,
  count: number,
  release: boolean,
): Promise<void> {
  Bun.gc(true);
  const store = new NvmeStorage(root, { sweepTempFiles: false });
  results.memory.push(point(variant, 0, store));
  const order = shuffledIds(count);
  const every = Math.max(1, Math.floor(count / 5));
  let sink = 0;
  for (let i = 0; i < count; i++) {
    const handle = store.loadSync(BigInt(order[i] as number), tenantId);
    sink += handle.payloadBlob.byteLength;
    if (release) handle.release();
    if ((i + 1) % every === 0) results.memory.push(point(variant, i + 1, store));
  }
  await settle();
  results.memory.push(point(`${variant}, after Bun.gc(true)`, count, store));
  store.close();
  await settle();
  results.memory.push(point(`${variant}, after close() + gc`, count, store));
  if (sink === 42) console.log("");
}

/** Runs scenario 5. */
export async function runMemory(results: Results): Promise<void> {
  const quick = currentMode().quick;
  const count = tenantSizes().at(-1) ?? 1000;
  const small = scaleTenant(count);
  warmPageCache(small.root);
  await loadAll(results, `4 KiB x ${count}, released`, small.root, small.tenantId, count, true);

  const mappedCount = quick ? 300 : 2000;
  const large = filledTenant(mappedCount, MAPPED_PAYLOAD_BYTES);
  warmPageCache(large.root);
  await loadAll(results, `300 KiB (mapped) x ${mappedCount}, released`, large.root, large.tenantId, mappedCount, true);
  await loadAll(
    results,
    `300 KiB (mapped) x ${mappedCount}, never released`,
    large.root,
    large.tenantId,
    mappedCount,
    false,
  );
  if (quick) results.notes.push(`Quick mode loads ${count} distinct 4 KiB entries in scenario 5 (full mode: 100k).`);
}
