import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeEntry, tempDir } from "@reflex/testkit";
import { cleanupTestState, openStore } from "../../test/helpers.ts";

afterEach(cleanupTestState);

const quiet = { reclaimIntervalMs: 0, persistAccessIntervalMs: 0 };

describe("deleteTenant", () => {
  test("the cache, live stats and the retention index all forget the tenant", async () => {
    const root = join(tempDir(), "root");
    const store = openStore(root, { retention: { ...quiet, maxEntries: 100 } });
    await store.retentionReady();
    for (let i = 0n; i < 20n; i++) store.storeSync(i, makeEntry({ tenantId: 1n + (i % 2n) })).release();
    store.loadSync(0n, 1n).release(); // cached
    expect(store.cacheUsage.entries).toBe(1);
    expect(await store.deleteTenant(1n)).toBe(10);
    expect(store.cacheUsage.entries).toBe(0);
    expect(store.liveStats()).toEqual({
      ...store.statsSync(),
      perTenant: [{ tenantId: 2n, entryCount: 10, totalBytes: store.statsSync().totalBytes }],
    });
    expect(() => store.loadSync(0n, 1n)).toThrow(expect.objectContaining({ code: "not_found" }));
    // The index no longer counts them: 90 more writes fit under maxEntries 100 without an eviction.
    for (let i = 100n; i < 190n; i++) store.storeSync(i, makeEntry({ tenantId: 3n })).release();
    expect(Object.values(store.retentionStats().evictions).reduce((a, b) => a + b, 0)).toBe(0);
    expect(readdirSync(root).filter((name) => name.startsWith(".deleting-"))).toEqual([]);
  });

  test("a tenant directory left aside by a crash is invisible, and the next writer that opens finishes it", async () => {
    const root = join(tempDir(), "root");
    const seed = openStore(root, { durability: "atomic" });
    for (let i = 0n; i < 5n; i++) seed.storeSync(i, makeEntry({ tenantId: 7n })).release();
    seed.storeSync(1n, makeEntry({ tenantId: 8n })).release();
    seed.close();
    // What a SIGKILL right after the rename leaves (the crash test does it for real).
    renameSync(join(root, "7"), join(root, ".deleting-7-1-1"));
    mkdirSync(join(root, ".deleting-7-1-1", "junk-dir"));
    writeFileSync(join(root, ".deleting-7-1-1", "3.999.aaaa-1.tmp"), "x");
    const reader = openStore(root, { readOnly: true });
    expect(reader.listTenantsSync()).toEqual([8n]);
    expect(reader.statsSync()).toMatchObject({ tenantCount: 1, entryCount: 1 });
    expect((await reader.verify()).checked).toBe(1);
    const writer = openStore(root);
    expect(writer.finishedTenantDeletions).toBe(1);
    expect(readdirSync(root).sort()).toEqual([".reflex-lock", "8"]);
  });

  test("writes racing deletions of their tenant never fail; each lands after the deletion or went with it", async () => {
    const root = join(tempDir(), "root");
    const store = openStore(root, { retention: quiet }); // fsync durability: the widest window
    let failures: unknown[] = [];
    let inFlight = 0;
    let overlapped = 0; // writes in flight when a deletion was called: the race is real
    for (let round = 0; round < 8; round++) {
      for (let i = 0n; i < 100n; i++)
        store.storeSync(i, makeEntry({ tenantId: 1n }), { durability: "atomic" }).release();
      let deleted = false;
      const after: bigint[] = []; // written wholly after the deletion resolved: must be there
      const writers = Array.from({ length: 16 }, async (_, w) => {
        for (let n = 0; n < 30; n++) {
          const id = BigInt(1_000 + round * 10_000 + w * 100 + n);
          const startedAfter = deleted;
          inFlight++;
          try {
            (await store.store(id, makeEntry({ tenantId: 1n, payload: new Uint8Array([n]) }))).release();
            if (startedAfter) after.push(id);
          } catch (error) {
            failures.push(error);
          } finally {
            inFlight--;
          }
        }
      });
      await Bun.sleep(1);
      overlapped += inFlight;
      await store.deleteTenant(1n);
      deleted = true;
      await Promise.all(writers);
      for (const id of after) expect(store.existsSync(id, 1n)).toBe(true);
      const report = await store.verify();
      expect(report.problems).toEqual([]);
      expect(store.liveStats().entryCount).toBe(store.listEntriesSync(1n).length);
      await store.deleteTenant(1n);
      failures = failures.map((error) => (error as Error).message); // names the first failure if any
      expect(failures).toEqual([]);
    }
    expect(overlapped).toBeGreaterThan(8);
  }, 30_000);

  test("a read-only store refuses; a missing tenant is not_found", async () => {
    const root = join(tempDir(), "root");
    const writer = openStore(root);
    writer.storeSync(1n, makeEntry()).release();
    await expect(openStore(root, { readOnly: true }).deleteTenant(1n)).rejects.toMatchObject({ code: "read_only" });
    await expect(writer.deleteTenant(2n)).rejects.toMatchObject({ code: "not_found" });
    expect(writer.listEntriesSync(1n)).toEqual([1n]);
  });
});
