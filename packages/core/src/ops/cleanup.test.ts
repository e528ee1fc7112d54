import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { makeEntry, removeTempDirs, tempDir } from "@reflex/testkit";
import { NvmeStorage } from "../store/nvme-storage.ts";

afterEach(removeTempDirs);

describe("cleanupEmptyTenantDirs", () => {
  test("removes empty tenant directories, not one whose only writes of the log are not yet in place", () => {
    const root = tempDir();
    const store = new NvmeStorage(root, { wal: true });
    mkdirSync(`${root}/3`); // an empty tenant
    store.storeSync(1n, makeEntry({ tenantId: 7n, payload: "kept" })).release(); // acknowledged; its file placed later
    expect(store.cleanupEmptyTenantDirsSync()).toBe(1);
    expect(store.listTenantsSync()).toEqual([7n]);
    store.close(); // puts the write in place
    const reopened = new NvmeStorage(root, { wal: false });
    expect(reopened.listTenantsSync()).toEqual([7n]);
    const handle = reopened.loadSync(1n, 7n);
    expect(new TextDecoder().decode(handle.payloadBlob)).toBe("kept");
    handle.release();
    reopened.close();
  });

  test("keeps a new tenant whose put still waits for its commit", async () => {
    const root = tempDir();
    const store = new NvmeStorage(root, { wal: true });
    const written = store.store(1n, makeEntry({ tenantId: 7n, payload: "kept" })); // its commit not yet run
    expect(store.cleanupEmptyTenantDirsSync()).toBe(0);
    (await written).release();
    expect(store.listTenantsSync()).toEqual([7n]);
    store.close();
  });

  test("keeps a new tenant whose put waits for room in the log", async () => {
    const root = tempDir();
    const store = new NvmeStorage(root, { wal: { maxUnplacedBytes: 4096 } });
    store.storeSync(1n, makeEntry({ tenantId: 1n, payload: "x".repeat(3000) })).release(); // held back, not placed yet
    const put = store.store(1n, makeEntry({ tenantId: 7n, payload: "y".repeat(3000) })); // its directory made; it waits
    expect(store.cleanupEmptyTenantDirsSync()).toBe(0);
    (await put).release();
    expect(store.listTenantsSync()).toEqual([1n, 7n]);
    store.close();
  });
});
