import { afterEach, describe, expect, test } from "bun:test";
import { makeEntry, removeTempDirs, tempDir } from "@reflex/testkit";
import { NvmeStorage } from "../store/nvme-storage.ts";

afterEach(removeTempDirs);

describe("a log without preallocation (wal.preallocateBytes 0)", () => {
  test("durable writes are logged, read back and kept across a reopen", async () => {
    const root = tempDir();
    const store = new NvmeStorage(root, { wal: { preallocateBytes: 0 } });
    store.storeSync(1n, makeEntry({ tenantId: 1n, payload: "one" })).release();
    (await store.store(2n, makeEntry({ tenantId: 1n, payload: "two" }))).release();
    expect(store.listEntriesSync(1n)).toEqual([1n, 2n]);
    store.close();
    const reopened = new NvmeStorage(root);
    const handle = reopened.loadSync(2n, 1n);
    expect(new TextDecoder().decode(handle.payloadBlob)).toBe("two");
    handle.release();
    reopened.close();
  });
});
