import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { makeEntry } from "@reflex/testkit";
import { cleanupTestState, expectStoreError, flipByte, openStore } from "../../test/helpers.ts";

afterEach(cleanupTestState);

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe("loadMany", () => {
  test("handles come in the order asked for, repeats included; missing ids are listed in order", () => {
    const store = openStore();
    for (const id of [1n, 2n, 3n]) store.storeSync(id, makeEntry({ payload: `v${id}` })).release();
    const { entries, missing } = store.loadManySync(1n, [3n, 9n, 1n, 3n, 7n]);
    expect(entries.map((handle) => text(handle.payloadBlob))).toEqual(["v3", "v1", "v3"]);
    expect(entries.map((handle) => handle.entryId)).toEqual([3n, 1n, 3n]);
    expect(missing).toEqual([9n, 7n]);
    for (const handle of entries) handle.release();
  });

  test("an empty list gives nothing; a missing tenant gives every id as missing", async () => {
    const store = openStore();
    expect(store.loadManySync(1n, [])).toEqual({ entries: [], missing: [] });
    expect(await store.loadMany(5n, [1n, 2n])).toEqual({ entries: [], missing: [1n, 2n] });
  });

  test("another tenant's entries are missing, never returned", () => {
    const store = openStore();
    store.storeSync(1n, makeEntry({ tenantId: 2n, payload: "theirs" })).release();
    expect(store.loadManySync(1n, [1n]).missing).toEqual([1n]);
  });

  test("expired entries are missing", () => {
    let now = 1_700_000_000_000;
    const store = openStore(undefined, { clock: () => now });
    store.storeSync(1n, makeEntry(), { ttlSeconds: 10 }).release();
    store.storeSync(2n, makeEntry()).release();
    now += 11_000;
    const { entries, missing } = store.loadManySync(1n, [1n, 2n]);
    expect([entries.map((handle) => handle.entryId), missing]).toEqual([[2n], [1n]]);
    for (const handle of entries) handle.release();
  });

  test("a bad id is invalid_argument naming its position, before anything is loaded", async () => {
    const store = openStore();
    store.storeSync(1n, makeEntry()).release();
    const error = expectStoreError(() => store.loadManySync(1n, [1n, -4n as bigint, 2n]), "invalid_argument");
    expect(error.message).toContain("ids[1]");
    expectStoreError(() => store.loadManySync(1n, "1" as unknown as bigint[]), "invalid_argument");
    expectStoreError(() => store.loadManySync(-1n, [1n]), "invalid_argument");
    await expect(store.loadMany(1n, [2n ** 64n])).rejects.toMatchObject({ code: "invalid_argument" });
  });

  test("a damaged entry fails the call as corrupt and releases the handles taken so far", () => {
    const store = openStore(undefined, { handleCache: { maxEntries: 0 } });
    for (const id of [1n, 2n]) store.storeSync(id, makeEntry({ payload: "x".repeat(300_000) })).release();
    flipByte(join(store.storagePath, "1", "2.rfx"), 100);
    const mappedBefore = store.liveMappings;
    expectStoreError(() => store.loadManySync(1n, [1n, 2n]), "corrupt");
    expect(store.liveMappings).toBe(mappedBefore);
  });
});
