import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { OperationMetrics } from "@reflex/stats";
import { removeTempDirs, SeededRandom, tempDir } from "@reflex/testkit";
import type { OperationRecorder, StoreOperation } from "../contract/operation-recorder.ts";
import { NvmeStorage } from "../store/nvme-storage.ts";

afterEach(removeTempDirs);

function entry(tenantId: bigint, size: number) {
  return {
    tenantId,
    contextHash: 1n,
    timestamp: 1n,
    embedding: new Uint8Array(0),
    payloadBlob: new Uint8Array(size),
  };
}

describe("live stats", () => {
  test("equal a scan after open, and after every step of random store/overwrite/delete/cleanup sequences", async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const root = tempDir("reflex-live-");
      const seeded = new SeededRandom(seed);
      const random = () => seeded.float();
      // Existing data before the store opens.
      const before = new NvmeStorage(root, { durability: "atomic" });
      for (let i = 0; i < 20; i++) before.storeSync(BigInt(i), entry(BigInt(i % 3), i * 100));
      const store = new NvmeStorage(root, { durability: "atomic" });
      expect(store.liveTotals()).toEqual(store.statsSync());
      for (let step = 0; step < 300; step++) {
        const tenant = BigInt(Math.floor(random() * 4));
        const id = BigInt(Math.floor(random() * 30));
        const action = random();
        if (action < 0.5) {
          const size = Math.floor(random() * 5000);
          if (random() < 0.5) store.storeSync(id, entry(tenant, size));
          else await store.store(id, entry(tenant, size));
        } else if (action < 0.85) {
          try {
            if (random() < 0.5) store.deleteSync(id, tenant);
            else await store.delete(id, tenant);
          } catch {
            // not_found is part of the sequence
          }
        } else if (action < 0.9) {
          store.cleanupEmptyTenantDirsSync();
        } else {
          // concurrent writes of the same and other ids in flight together
          await Promise.all(
            Array.from({ length: 8 }, (_, i) => store.store(BigInt(i % 3), entry(tenant, Math.floor(random() * 3000)))),
          );
        }
        expect(store.liveTotals()).toEqual(store.statsSync());
      }
      const live = store.liveStats();
      const scan = store.statsSync();
      expect(live.entryCount).toBe(scan.entryCount);
      const tenantSums = live.perTenant.reduce((sum, t) => sum + t.totalBytes, 0);
      expect(tenantSums).toBe(scan.totalBytes);
    }
  });

  test("writes by another process are not seen until rescanStats()", () => {
    const root = tempDir("reflex-live-");
    const store = new NvmeStorage(root, { durability: "atomic" });
    store.storeSync(1n, entry(1n, 10));
    expect(store.liveTotals().entryCount).toBe(1);
    const other = new NvmeStorage(root, { durability: "atomic" });
    other.storeSync(2n, entry(1n, 10));
    expect(store.liveTotals().entryCount).toBe(1);
    expect(store.rescanStats().entryCount).toBe(2);
    expect(store.liveTotals()).toEqual(store.statsSync());
  });

  test("junk files are not counted, as in the scan", () => {
    const root = tempDir("reflex-live-");
    const store = new NvmeStorage(root, { durability: "atomic" });
    store.storeSync(1n, entry(5n, 10));
    writeFileSync(join(root, "5", "notes.txt"), "junk");
    writeFileSync(join(root, "5", "007.rfx"), "junk");
    expect(store.rescanStats().entryCount).toBe(1);
    expect(store.liveTotals()).toEqual(store.statsSync());
  });
});

describe("operation recorder", () => {
  test("receives each operation once with its outcome and bytes", async () => {
    const seen: [StoreOperation, string | null, number][] = [];
    const recorder: OperationRecorder = {
      record: (operation, durationNs, code, bytes) => {
        expect(durationNs).toBeGreaterThanOrEqual(0);
        seen.push([operation, code, bytes]);
      },
    };
    const store = new NvmeStorage(tempDir("reflex-live-"), { durability: "atomic", recorder });
    const stored = await store.store(1n, entry(1n, 100));
    (await store.load(1n, 1n)).release();
    await expect(store.load(2n, 1n)).rejects.toThrow();
    await store.exists(1n, 1n);
    await store.listEntries(1n);
    await store.listTenants();
    await store.stats();
    await store.verify();
    await store.delete(1n, 1n);
    await expect(store.delete(1n, 1n)).rejects.toThrow();
    await store.cleanupEmptyTenantDirs();
    expect(seen).toEqual([
      ["store", null, stored.fileBytes],
      ["load", null, stored.fileBytes],
      ["load", "not_found", 0],
      ["exists", null, 0],
      ["list_entries", null, 0],
      ["list_tenants", null, 0],
      ["stats", null, 0],
      ["verify", null, 0],
      ["delete", null, 0],
      ["delete", "not_found", 0],
      ["cleanup", null, 0],
    ]);
  });

  test("feeds @reflex/stats OperationMetrics", async () => {
    const metrics = new OperationMetrics();
    const store = new NvmeStorage(tempDir("reflex-live-"), { durability: "atomic", recorder: metrics });
    for (let i = 0; i < 10; i++) await store.store(BigInt(i), entry(1n, 1000));
    for (let i = 0; i < 10; i++) store.loadSync(BigInt(i), 1n).release();
    expect(() => store.loadSync(99n, 1n)).toThrow();
    const snapshot = metrics.snapshot();
    expect(snapshot.store?.count).toBe(10);
    expect(snapshot.load?.count).toBe(11);
    expect(snapshot.load?.errors).toEqual({ not_found: 1 });
    expect(snapshot.load?.latencySeconds.p50).toBeGreaterThan(0);
  });
});
