import { afterEach, describe, expect, test } from "bun:test";
import { makeEntry, removeTempDirs, tempDir } from "@reflex/testkit";
import { NvmeStorage } from "../store/nvme-storage.ts";

afterEach(removeTempDirs);

describe("the expiry reclaimer with the write-ahead log", () => {
  test("a newer write not yet in place is not removed for its expired file", async () => {
    const root = tempDir();
    let now = 1_700_000_000_000;
    const clock = () => now;
    const first = new NvmeStorage(root, { wal: true, clock });
    first.storeSync(1n, makeEntry({ tenantId: 1n, payload: "old" }), { ttlSeconds: 1 }).release();
    first.close(); // checkpointed: the old file is in place
    const store = new NvmeStorage(root, { wal: true, clock });
    now += 5_000;
    expect(() => store.loadSync(1n, 1n)).toThrow(); // expired: queued for the reclaimer
    store.storeSync(1n, makeEntry({ tenantId: 1n, payload: "new" })).release();
    await new Promise((resolve) => setImmediate(resolve)); // the reclaimer's turn
    expect(store.existsSync(1n, 1n)).toBe(true);
    const handle = store.loadSync(1n, 1n);
    expect(new TextDecoder().decode(handle.payloadBlob)).toBe("new");
    handle.release();
    store.close();
    const reopened = new NvmeStorage(root, { clock });
    expect(reopened.existsSync(1n, 1n)).toBe(true);
    reopened.close();
  });
});
