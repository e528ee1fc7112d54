import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { makeEntry, tempDir } from "@reflex/testkit";
import { cleanupTestState, openStore } from "../../test/helpers.ts";

afterEach(cleanupTestState);

describe("gc", () => {
  test("reports every eviction it caused or waited for: 1,000 entries, maxEntries 500 -> evicted 500", async () => {
    const root = join(tempDir(), "root");
    const seed = openStore(root, { durability: "atomic" });
    for (let id = 0n; id < 1000n; id++) seed.storeSync(id, makeEntry()).release();
    seed.close();
    const bounded = openStore(root, {
      retention: { maxEntries: 500, reclaimIntervalMs: 0, persistAccessIntervalMs: 0 },
    });
    const report = await bounded.gc();
    expect(report).toEqual({ scanned: 1000, expired: 0, evicted: 500 });
    expect(bounded.statsSync().entryCount).toBe(500);
    const stats = bounded.retentionStats();
    expect(stats.evictions.root_entries).toBe(500);
  });

  test("gc is timed like every other operation: the recorder hears it once", async () => {
    const heard: string[] = [];
    const recorder = { record: (operation: string) => void heard.push(operation) };
    const store = openStore(join(tempDir(), "root"), { recorder });
    await store.gc();
    expect(heard.filter((operation) => operation === "gc")).toEqual(["gc"]);
  });

  test("a second gc on a store within its bounds evicts nothing and says so", async () => {
    const root = join(tempDir(), "root");
    const store = openStore(root, { retention: { maxEntries: 10, reclaimIntervalMs: 0, persistAccessIntervalMs: 0 } });
    for (let id = 0n; id < 15n; id++) store.storeSync(id, makeEntry()).release();
    expect((await store.gc()).evicted).toBe(0); // the writes evicted as they went
    expect(store.statsSync().entryCount).toBe(10);
  });
});
