/**
 * Scenario 6: load and store while retention works. Three stores side by side, in
 * the same run, interleaved: unbounded (the reference), bounded by
 * `retention: { tenantMaxEntries: N }` with its store tenant full (every store
 * evicts the least recently used entry), and one with a default TTL of 1 s and a
 * 250 ms reclaim timer (entries expire and are reclaimed all along). Cold load
 * (handle cache off, page cache warm) of 4 KiB entries from a load tenant within the
 * bound; atomic-only storeSync of 4 KiB entries, a new id each, into the store tenant.
 */
import { join } from "node:path";
import { NvmeStorage, type NvmeStorageOptions } from "@reflex/core";
import { freshDir, makeEntry, removeDir, shuffledIds, warmPageCache } from "../fixtures.ts";
import { currentMode, type Figure, measureSideBySide } from "../harness.ts";
import type { Results } from "../results.ts";

export const RETENTION_GROUPS = {
  load: "retention: cold load 4 KiB",
  store: "retention: atomic storeSync 4 KiB",
} as const;
export const UNBOUNDED = "unbounded";
export const BOUNDED = "tenantMaxEntries (evicting)";
export const TTL = "defaultTtlSeconds 1 (expiring)";

const LOAD_TENANT = 1n;
const STORE_TENANT = 2n;
const PAYLOAD = 4 * 1024;

interface Contender {
  readonly name: string;
  readonly note: string;
  readonly store: NvmeStorage;
  readonly reference?: boolean;
}

/** Runs scenario 6. */
export async function runRetention(results: Results): Promise<void> {
  const quick = currentMode().quick;
  const n = quick ? 1000 : 5000;
  const dir = freshDir("retention");
  const base: NvmeStorageOptions = { durability: "atomic", handleCache: { maxEntries: 0 }, sweepTempFiles: false };
  const loadEntry = makeEntry(LOAD_TENANT, PAYLOAD);
  const storeEntry = makeEntry(STORE_TENANT, PAYLOAD);
  const contenders: Contender[] = [
    {
      name: UNBOUNDED,
      note: "no retention options",
      reference: true,
      store: new NvmeStorage(join(dir, "unbounded"), base),
    },
    {
      name: BOUNDED,
      note: `tenantMaxEntries ${n}; store tenant prefilled to ${n}: each store evicts one`,
      store: new NvmeStorage(join(dir, "bounded"), { ...base, retention: { tenantMaxEntries: n } }),
    },
    {
      name: TTL,
      note: "default TTL 1 s, reclaim timer 250 ms; load tenant stored with ttlSeconds 0",
      store: new NvmeStorage(join(dir, "ttl"), {
        ...base,
        retention: { defaultTtlSeconds: 1, reclaimIntervalMs: 250 },
      }),
    },
  ];
  try {
    for (const { store } of contenders) {
      for (let id = 0; id < n; id++) {
        store.storeSync(BigInt(id), loadEntry, { ttlSeconds: 0 }).release();
        store.storeSync(BigInt(id), storeEntry).release();
      }
      await store.retentionReady();
    }
    warmPageCache(dir);
    const order = shuffledIds(n).map((id) => BigInt(id));

    const loads = contenders.map(({ store }) => {
      let i = 0;
      return {
        fn: () => {
          store.loadSync(order[i++ % n] as bigint, LOAD_TENANT).release();
        },
      };
    });
    const loadFigures = await measureSideBySide(loads);
    record(results, RETENTION_GROUPS.load, contenders, loadFigures);

    const stores = contenders.map(({ store }) => {
      let id = BigInt(n);
      return { fn: () => store.storeSync(id++, storeEntry).release(), options: { maxWarmupCalls: 200 } };
    });
    const storeFigures = await measureSideBySide(stores);
    record(results, RETENTION_GROUPS.store, contenders, storeFigures);

    // Let the TTL store's timer see the last expiries, then report what retention did.
    await Bun.sleep(quick ? 300 : 1300);
    for (const { name, store } of contenders) {
      const stats = store.retentionStats();
      const evicted = Object.values(stats.evictions).reduce((sum, count) => sum + count, 0);
      const live = store.liveTotals().entryCount;
      if (name === UNBOUNDED) continue;
      results.notes.push(
        `Scenario 6, ${name}: ${evicted} evicted, ${stats.expirations} expired during the run; ${live} entries live at the end (index ready: ${stats.indexReady}).`,
      );
    }
  } finally {
    for (const { store } of contenders) store.close();
    removeDir(dir);
  }
}

function record(results: Results, group: string, contenders: readonly Contender[], figures: readonly Figure[]) {
  for (const [i, contender] of contenders.entries()) {
    results.add({
      scenario: "retention",
      group,
      subject: contender.name,
      figure: figures[i] as Figure,
      note: contender.note,
      ...(contender.reference === true ? { reference: true, referenceLabel: "unbounded" } : {}),
    });
  }
}
