import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { makeEntry, tempDir } from "@reflex/testkit";
import { cleanupTestState, expectStoreError, expectStoreErrorAsync, openStore } from "../../test/helpers.ts";
import type { NvmeStorageOptions } from "../store/store-options.ts";

afterEach(cleanupTestState);

const quiet = { reclaimIntervalMs: 0, persistAccessIntervalMs: 0 };

function boundedStore(options: NvmeStorageOptions) {
  const root = join(tempDir(), "root");
  return { root, store: openStore(root, { durability: "atomic", ...options }) };
}

describe("a write larger than its bound is refused before anything is evicted", () => {
  test("tenantMaxEntries 3, maxBytes 1K: a 2 KB write to tenant 2 is too_large and tenant 1 keeps every entry", async () => {
    const { root, store } = boundedStore({ retention: { ...quiet, tenantMaxEntries: 3, maxBytes: 1024 } });
    for (let id = 1n; id <= 3n; id++) store.storeSync(id, makeEntry({ tenantId: 1n, payload: "small" })).release();
    const before = store.statsSync();
    await expectStoreErrorAsync(
      () => store.store(9n, makeEntry({ tenantId: 2n, payload: new Uint8Array(2048) })),
      "too_large",
    );
    expect(() => store.storeSync(9n, makeEntry({ tenantId: 2n, payload: new Uint8Array(2048) }))).toThrow(
      expect.objectContaining({ code: "too_large" }),
    );
    expect(store.listEntriesSync(1n)).toEqual([1n, 2n, 3n]);
    expect(store.statsSync()).toEqual(before);
    expect(existsSync(join(root, "2"))).toBe(false); // not even its tenant directory
    expect(Object.values(store.retentionStats().evictions).reduce((a, b) => a + b, 0)).toBe(0);
  });

  test("tenantMaxBytes: an entry over it is too_large and the tenant's old entry under that id stays", async () => {
    const { store } = boundedStore({ retention: { ...quiet, tenantMaxBytes: 4096 } });
    store.storeSync(5n, makeEntry({ payload: "old" })).release();
    await expectStoreErrorAsync(() => store.store(5n, makeEntry({ payload: new Uint8Array(5000) })), "too_large");
    expect(new TextDecoder().decode(store.loadSync(5n, 1n).payloadBlob)).toBe("old");
  });

  test("maxEntryBytes bounds one entry file, header included, with no retention at all", async () => {
    const { root, store } = boundedStore({ maxEntryBytes: 1000 });
    const fits = store.storeSync(1n, makeEntry({ payload: new Uint8Array(800) }));
    expect(fits.fileBytes).toBeLessThanOrEqual(1000);
    fits.release();
    const error = await expectStoreErrorAsync(
      () => store.store(2n, makeEntry({ payload: new Uint8Array(1000) })),
      "too_large",
    );
    expect(error.message).toContain("maxEntryBytes of 1000");
    expect(readdirSync(join(root, "1"))).toEqual(["1.rfx"]);
  });

  test("maxEntryBytes must be a positive integer", () => {
    for (const maxEntryBytes of [0, -1, 1.5, Number.NaN]) {
      expectStoreError(() => openStore(tempDir(), { maxEntryBytes }), "invalid_argument");
    }
  });
});
