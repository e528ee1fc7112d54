import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { makeEntry, tempDir } from "@reflex/testkit";
import { cleanupTestState, openStore } from "../../test/helpers.ts";

afterEach(cleanupTestState);

describe("touch", () => {
  test("rewrites the file by rename, never in place: a handle loaded before keeps its bytes", () => {
    const root = join(tempDir(), "root");
    const store = openStore(root, { mmapThresholdBytes: 64 * 1024 });
    store.storeSync(1n, makeEntry({ payload: new Uint8Array(300_000).fill(3) }), { ttlSeconds: 60 }).release();
    const path = join(root, "1", "1.rfx");
    const inodeBefore = statSync(path).ino;
    const mapped = store.loadSync(1n, 1n);
    expect(mapped.mapped).toBe(true);
    const expiresAt = store.touchSync(1n, 1n, 3600);
    expect(statSync(path).ino).not.toBe(inodeBefore); // a new file renamed over the old one
    expect(mapped.payloadBlob.every((byte) => byte === 3)).toBe(true); // the old mapping is intact
    expect(mapped.expiresAt).not.toBe(expiresAt);
    mapped.release();
    const after = store.loadSync(1n, 1n);
    expect(after.expiresAt).toBe(expiresAt);
    expect(after.payloadBlob.byteLength).toBe(300_000);
    after.release();
    expect(readdirSync(join(root, "1"))).toEqual(["1.rfx"]); // no temp file left
  });

  test("with the write-ahead log, a touch racing a store of the entry still waiting for its commit keeps the new body", async () => {
    const root = join(tempDir(), "root");
    const store = openStore(root, { wal: true });
    store.storeSync(1n, makeEntry({ payload: "old" })).release();
    const written = store.store(1n, makeEntry({ payload: "new" })); // logged, its commit not yet run
    store.touchSync(1n, 1n, 3600);
    (await written).release();
    const handle = store.loadSync(1n, 1n);
    expect(new TextDecoder().decode(handle.payloadBlob)).toBe("new");
    expect(handle.expiresAt).not.toBe(0n);
    handle.release();
  });

  test("with the write-ahead log, a touch racing a store of the entry still waiting for room keeps the new body", async () => {
    const root = tempDir();
    const store = openStore(root, { wal: { maxUnplacedBytes: 4096 } });
    const text = (handle: { payloadBlob: Uint8Array; release(): void }) => {
      const body = new TextDecoder().decode(handle.payloadBlob).slice(0, 3);
      handle.release();
      return body;
    };
    store.storeSync(2n, makeEntry({ tenantId: 1n, payload: "OLD" })).release();
    store.storeSync(1n, makeEntry({ tenantId: 1n, payload: "x".repeat(3000) })).release(); // held back
    const put = store.store(2n, makeEntry({ tenantId: 1n, payload: `NEW${"y".repeat(3000)}` })); // waits for room
    store.touchSync(2n, 1n, 3600);
    (await put).release();
    expect(text(store.loadSync(2n, 1n))).toBe("NEW");
    store.close();
    const reopened = openStore(root, { wal: true });
    expect(text(reopened.loadSync(2n, 1n))).toBe("NEW");
  });

  test("an expired entry cannot be touched back to life", () => {
    let now = 1_700_000_000_000;
    const store = openStore(join(tempDir(), "root"), {
      clock: () => now,
      retention: { reclaimIntervalMs: 0, persistAccessIntervalMs: 0 },
    });
    store.storeSync(1n, makeEntry(), { ttlSeconds: 10 }).release();
    now += 10_000;
    expect(() => store.touchSync(1n, 1n, 3600)).toThrow(expect.objectContaining({ code: "not_found" }));
  });

  test("the retention index and live stats follow a touch (the file grows by the v2 header's 8 bytes)", async () => {
    const store = openStore(join(tempDir(), "root"), {
      retention: { maxEntries: 10, reclaimIntervalMs: 0, persistAccessIntervalMs: 0 },
    });
    await store.retentionReady();
    store.storeSync(1n, makeEntry()).release();
    store.touchSync(1n, 1n, 3600);
    expect(store.liveTotals()).toEqual(store.statsSync());
    store.touchSync(1n, 1n, 0);
    expect(store.liveTotals()).toEqual(store.statsSync());
  });

  test("a read-only store refuses to touch", () => {
    const root = join(tempDir(), "root");
    const writer = openStore(root);
    writer.storeSync(1n, makeEntry()).release();
    const reader = openStore(root, { readOnly: true });
    expect(() => reader.touchSync(1n, 1n, 60)).toThrow(expect.objectContaining({ code: "read_only" }));
  });
});
