import { afterEach, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeEnvelope } from "@reflex/codec";
import { makeEntry, patternBytes, tempDir } from "@reflex/testkit";
import {
  cleanupTestState,
  expectStoreErrorAsync,
  flipByte,
  MAX_ID,
  openStore,
  truncateTo,
  zeroRange,
} from "../../test/helpers.ts";
import type { VerifyProblem, WalkProgress } from "../contract/entry-store.ts";
import { tempFileName } from "../disk/layout.ts";
import type { NvmeStorage } from "../store/nvme-storage.ts";

afterEach(cleanupTestState);

const KiB = 1024;

/** 50 good entries: ids 0..16 in tenants 1, 2 and 2^64-1 (51 slots, the last one left out), some mapped-size. */
function storeGoodEntries(store: NvmeStorage): void {
  let count = 0;
  for (const tenantId of [1n, 2n, MAX_ID]) {
    for (let id = 0n; id < 17n && count < 50; id++, count++) {
      const size = id === 3n ? 300 * KiB : 100 + Number(id) * 10;
      store
        .storeSync(id, makeEntry({ tenantId, payload: patternBytes(size, count) }), { durability: "atomic" })
        .release();
    }
  }
}

const byPath = (a: VerifyProblem, b: VerifyProblem): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

describe("verify", () => {
  test("reports every damaged file with its reason and path; good entries and junk are not reported", async () => {
    const store = openStore();
    storeGoodEntries(store);
    const root = store.storagePath;
    const damaged = (tenantId: bigint, id: bigint, size = 2 * KiB) =>
      store
        .storeSync(id, makeEntry({ tenantId, payload: patternBytes(size, Number(id)) }), { durability: "atomic" })
        .release();

    damaged(1n, 100n);
    flipByte(join(root, "1", "100.rfx"), 1000);
    damaged(1n, 101n);
    truncateTo(join(root, "1", "101.rfx"), 500);
    damaged(1n, 102n, 16 * KiB);
    zeroRange(join(root, "1", "102.rfx"), 4 * KiB, 4 * KiB);
    damaged(1n, 103n, 16 * KiB);
    zeroRange(join(root, "1", "103.rfx"), 0, 4 * KiB);
    damaged(1n, 104n);
    truncateTo(join(root, "1", "104.rfx"), 0);
    damaged(1n, 105n, 300 * KiB); // mapped-size, bit flipped
    flipByte(join(root, "1", "105.rfx"), 200 * KiB, 0x80);
    damaged(2n, 200n);
    renameSync(join(root, "2", "200.rfx"), join(root, "2", "201.rfx"));
    damaged(1n, 300n);
    mkdirSync(join(root, "3"));
    copyFileSync(join(root, "1", "300.rfx"), join(root, "3", "300.rfx"));

    // Junk: never reported, never counted.
    writeFileSync(join(root, "1", "x.txt"), "junk");
    writeFileSync(join(root, "1", "abc.rfx"), "junk");
    writeFileSync(join(root, "1", "007.rfx"), "junk");
    writeFileSync(join(root, "1", "5.rfx.tmp"), "junk");
    writeFileSync(join(root, "1", tempFileName(6n)), "in flight");
    mkdirSync(join(root, "1", "77.rfx"));
    mkdirSync(join(root, "not-a-tenant"));
    writeFileSync(join(root, "not-a-tenant", "5.rfx"), "garbage in a junk dir");
    writeFileSync(join(root, "44"), "a file named like a tenant");

    const report = await store.verify();
    const problems = [...report.problems].sort(byPath);
    expect(problems.map(({ path, reason, tenantId, entryId }) => ({ path, reason, tenantId, entryId }))).toEqual([
      { path: "1/100.rfx", reason: "checksum_mismatch", tenantId: 1n, entryId: 100n },
      { path: "1/101.rfx", reason: "truncated", tenantId: 1n, entryId: 101n },
      { path: "1/102.rfx", reason: "checksum_mismatch", tenantId: 1n, entryId: 102n },
      { path: "1/103.rfx", reason: "bad_magic", tenantId: 1n, entryId: 103n },
      { path: "1/104.rfx", reason: "truncated", tenantId: 1n, entryId: 104n },
      { path: "1/105.rfx", reason: "checksum_mismatch", tenantId: 1n, entryId: 105n },
      { path: "2/201.rfx", reason: "id_mismatch", tenantId: 2n, entryId: 201n },
      { path: "3/300.rfx", reason: "tenant_mismatch", tenantId: 3n, entryId: 300n },
    ]);
    for (const problem of problems) expect(problem.message.length).toBeGreaterThan(0);
    // The good copy of the misplaced file is fine where it belongs.
    expect(report.ok).toBe(51);
    expect(report.checked).toBe(51 + 8);
    expect(store.liveMappings).toBe(0);
  });

  test("a store with only good entries verifies clean", async () => {
    const store = openStore();
    storeGoodEntries(store);
    const report = await store.verify();
    expect(report).toEqual({ checked: 50, ok: 50, problems: [] });
    expect(store.liveMappings).toBe(0);
  });

  test("verify({ tenantId }) checks only that tenant", async () => {
    const store = openStore();
    storeGoodEntries(store);
    store.storeSync(50n, makeEntry({ tenantId: 2n }), { durability: "atomic" }).release();
    flipByte(join(store.storagePath, "2", "50.rfx"), -1);
    store.storeSync(51n, makeEntry({ tenantId: 1n }), { durability: "atomic" }).release();
    flipByte(join(store.storagePath, "1", "51.rfx"), -1);

    const two = await store.verify({ tenantId: 2n });
    expect(two.checked).toBe(18);
    expect(two.ok).toBe(17);
    expect(two.problems.map((problem) => problem.path)).toEqual(["2/50.rfx"]);

    const max = await store.verify({ tenantId: MAX_ID });
    expect(max).toEqual({ checked: 16, ok: 16, problems: [] });

    expect(await store.verify({ tenantId: 99n })).toEqual({ checked: 0, ok: 0, problems: [] });
  });

  test("verify of a missing root finds nothing", async () => {
    const store = openStore(join(tempDir(), "missing"));
    expect(await store.verify()).toEqual({ checked: 0, ok: 0, problems: [] });
    expect(await store.verify({ tenantId: 1n })).toEqual({ checked: 0, ok: 0, problems: [] });
  });

  test("onProgress ends with done == total", async () => {
    const store = openStore();
    storeGoodEntries(store);
    const calls: WalkProgress[] = [];
    await store.verify({ onProgress: (progress) => calls.push(progress) });
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[calls.length - 1]).toEqual({ done: 50, total: 50 });
  });

  test("onProgress reports along the way on a larger store, monotonically", async () => {
    const store = openStore();
    for (let id = 0n; id < 600n; id++) {
      store.storeSync(id, makeEntry({ payload: `${id}` }), { durability: "atomic" }).release();
    }
    const calls: WalkProgress[] = [];
    const report = await store.verify({ onProgress: (progress) => calls.push(progress) });
    expect(report.ok).toBe(600);
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls) expect(call.total).toBe(600);
    for (let i = 1; i < calls.length; i++) {
      expect((calls[i] as WalkProgress).done).toBeGreaterThanOrEqual((calls[i - 1] as WalkProgress).done);
    }
    expect(calls[calls.length - 1]).toEqual({ done: 600, total: 600 });
  });

  test("verify reads the files, not the handle cache", async () => {
    const store = openStore();
    store.storeSync(1n, makeEntry({ payload: "cached" })).release();
    store.loadSync(1n, 1n).release();
    expect(store.cacheUsage.entries).toBe(1);
    flipByte(join(store.storagePath, "1", "1.rfx"), -1);
    const report = await store.verify();
    expect(report.problems.map((problem) => problem.reason)).toEqual(["checksum_mismatch"]);
  });

  test("a file written by encodeEnvelope outside the store verifies like a stored one", async () => {
    const store = openStore();
    store.ensureStoragePath();
    mkdirSync(join(store.storagePath, "7"));
    writeFileSync(join(store.storagePath, "7", "8.rfx"), encodeEnvelope(8n, makeEntry({ tenantId: 7n })));
    expect(statSync(join(store.storagePath, "7", "8.rfx")).size).toBeGreaterThan(32);
    expect(await store.verify()).toEqual({ checked: 1, ok: 1, problems: [] });
  });

  test("an invalid tenant id rejects with invalid_argument", async () => {
    const store = openStore();
    await expectStoreErrorAsync(() => store.verify({ tenantId: -1n }), "invalid_argument");
    await expectStoreErrorAsync(() => store.verify({ tenantId: MAX_ID + 1n }), "invalid_argument");
    await expectStoreErrorAsync(() => store.verify({ tenantId: 1 as unknown as bigint }), "invalid_argument");
  });
});
