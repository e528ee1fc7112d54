import { afterEach, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { decodeEnvelope, encodeEntryBody, encodeEnvelope } from "@reflex/codec";
import { makeEntry, patternBytes, plain, sameBytes, tempDir } from "@reflex/testkit";
import { cleanupTestState, expectStoreError, openStore } from "../../test/helpers.ts";
import { EntryHandle, StoredEntryHandle } from "./entry-handle.ts";
import { LoadedFile } from "./loaded-file.ts";

afterEach(cleanupTestState);

const MiB = 1024 * 1024;
const KiB = 1024;

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

function heapFile(id = 1n, payload = "heap"): LoadedFile {
  const bytes = encodeEnvelope(id, makeEntry({ payload }));
  return new LoadedFile(1n, id, bytes, decodeEnvelope(bytes).entry, null);
}

describe("EntryHandle over a LoadedFile", () => {
  test("exposes the entry's fields as views of the file's bytes", () => {
    const file = heapFile(3n, "viewed");
    const handle = new EntryHandle(file);
    expect(handle.entryId).toBe(3n);
    expect(plain(handle)).toEqual(plain(makeEntry({ payload: "viewed" })));
    expect(handle.payloadBlob.buffer).toBe(file.bytes.buffer);
    expect(handle.embedding.buffer).toBe(file.bytes.buffer);
    expect(handle.fileBytes).toBe(file.bytes.byteLength);
    expect(handle.mapped).toBe(false);
    handle.release();
  });

  test("after release() every accessor throws released; release is idempotent", () => {
    const handle = new EntryHandle(heapFile());
    expect(handle.released).toBe(false);
    handle.release();
    expect(handle.released).toBe(true);
    handle.release();
    handle.release();
    expect(handle.released).toBe(true);
    const accessors: [string, () => unknown][] = [
      ["payloadBlob", () => handle.payloadBlob],
      ["embedding", () => handle.embedding],
      ["tenantId", () => handle.tenantId],
      ["entryId", () => handle.entryId],
      ["contextHash", () => handle.contextHash],
      ["timestamp", () => handle.timestamp],
      ["fileBytes", () => handle.fileBytes],
      ["mapped", () => handle.mapped],
      ["toEntry", () => handle.toEntry()],
    ];
    for (const [name, read] of accessors) {
      const error = expectStoreError(read, "released");
      expect(`${name}: ${error.code}`).toBe(`${name}: released`);
    }
  });

  test("StoredEntryHandle says whether the entry was created", () => {
    const file = heapFile();
    const created = new StoredEntryHandle(file, true);
    const replaced = new StoredEntryHandle(file, false);
    expect([created.created, replaced.created]).toEqual([true, false]);
    expect(created).toBeInstanceOf(EntryHandle);
    created.release();
    expect(text(replaced.payloadBlob)).toBe("heap");
    replaced.release();
  });
});

describe("handles from the store", () => {
  test("toEntry() is a copy that survives release, for heap and mapped entries", () => {
    const store = openStore();
    const small = makeEntry({ payload: patternBytes(4 * KiB, 1) });
    const big = makeEntry({ payload: patternBytes(MiB, 2) });
    store.storeSync(1n, small).release();
    store.storeSync(2n, big).release();
    const smallHandle = store.loadSync(1n, 1n);
    const bigHandle = store.loadSync(2n, 1n);
    expect(bigHandle.mapped).toBe(true);
    const smallCopy = smallHandle.toEntry();
    const bigCopy = bigHandle.toEntry();
    expect(bigCopy.payloadBlob.buffer).not.toBe(bigHandle.payloadBlob.buffer);
    smallHandle.release();
    bigHandle.release();
    store.close();
    expect(store.liveMappings).toBe(0);
    expect(plain(smallCopy)).toEqual(plain(small));
    expect(bigCopy.payloadBlob.byteLength).toBe(MiB);
    expect(sameBytes(bigCopy.payloadBlob, big.payloadBlob)).toBe(true);
  });

  test("a mapped handle's views stay valid until the last reference goes, then are detached", () => {
    const store = openStore();
    const entry = makeEntry({ payload: patternBytes(MiB, 3) });
    store.storeSync(1n, entry).release();
    const first = store.loadSync(1n, 1n);
    const second = store.loadSync(1n, 1n); // served by the cache: the same mapping
    expect(first.mapped && second.mapped).toBe(true);
    expect(store.liveMappings).toBe(1);
    const view = first.payloadBlob;
    first.release();
    expect(view.byteLength).toBe(MiB); // second and the cache still hold the mapping
    expect(sameBytes(second.payloadBlob, entry.payloadBlob)).toBe(true);
    second.release();
    expect(view.byteLength).toBe(MiB); // the cache still holds it
    expect(store.liveMappings).toBe(1);
    store.close();
    expect(view.byteLength).toBe(0); // unmapped at once, not at GC
    expect(store.liveMappings).toBe(0);
  });

  test("liveMappings returns to 0 after every handle is released and the store closed", async () => {
    const store = openStore();
    for (const id of [1n, 2n, 3n]) {
      store.storeSync(id, makeEntry({ payload: patternBytes(512 * KiB, Number(id)) })).release();
    }
    const handles = [
      await store.load(1n, 1n),
      await store.load(2n, 1n),
      await store.load(3n, 1n),
      await store.load(1n, 1n),
    ];
    expect(handles.every((handle) => handle.mapped)).toBe(true);
    expect(store.liveMappings).toBe(3);
    for (const handle of handles) handle.release();
    expect(store.liveMappings).toBe(3); // the handle cache keeps them
    store.close();
    expect(store.liveMappings).toBe(0);
    const again = store.loadSync(2n, 1n);
    expect(again.mapped).toBe(true);
    expect(store.liveMappings).toBe(1);
    again.release();
    store.close();
    expect(store.liveMappings).toBe(0);
  });

  test("with the cache off, releasing the only handle unmaps at once", () => {
    const store = openStore(tempDir(), { handleCache: { maxEntries: 0 } });
    store.storeSync(1n, makeEntry({ payload: patternBytes(MiB) })).release();
    const handle = store.loadSync(1n, 1n);
    const view = handle.payloadBlob;
    expect(store.liveMappings).toBe(1);
    expect(store.cacheUsage).toEqual({ entries: 0, bytes: 0 });
    handle.release();
    expect(store.liveMappings).toBe(0);
    expect(view.byteLength).toBe(0);
  });

  test("a mapped handle held across an overwrite and a delete still shows the old bytes", async () => {
    const store = openStore();
    const v1 = makeEntry({ payload: patternBytes(MiB, 11) });
    const v2 = makeEntry({ payload: patternBytes(MiB, 22) });
    store.storeSync(1n, v1).release();
    const held = store.loadSync(1n, 1n);
    expect(held.mapped).toBe(true);

    (await store.store(1n, v2)).release();
    const fresh = store.loadSync(1n, 1n);
    expect(sameBytes(fresh.payloadBlob, v2.payloadBlob)).toBe(true);
    expect(sameBytes(held.payloadBlob, v1.payloadBlob)).toBe(true);

    await store.delete(1n, 1n);
    expect(sameBytes(held.payloadBlob, v1.payloadBlob)).toBe(true);
    expect(sameBytes(fresh.payloadBlob, v2.payloadBlob)).toBe(true);
    held.release();
    fresh.release();
    store.close();
    expect(store.liveMappings).toBe(0);
  });

  test("writing into a mapped view never reaches the file", () => {
    const store = openStore(tempDir(), { handleCache: { maxEntries: 0 } });
    const entry = makeEntry({ payload: patternBytes(MiB, 4) });
    store.storeSync(1n, entry).release();
    const handle = store.loadSync(1n, 1n);
    expect(handle.mapped).toBe(true);
    handle.payloadBlob.fill(0); // forbidden by the docs; a private mapping keeps it local
    handle.release();
    const again = store.loadSync(1n, 1n);
    expect(sameBytes(again.payloadBlob, entry.payloadBlob)).toBe(true);
    again.release();
  });
});

describe("handle cache bounds through the store", () => {
  test("with maxEntries 2, loading 3 entries keeps at most 2 and evicts the least recently used", () => {
    const store = openStore(tempDir(), { handleCache: { maxEntries: 2 } });
    for (const id of [1n, 2n, 3n]) store.storeSync(id, makeEntry({ payload: `entry ${id}` })).release();
    for (const id of [1n, 2n, 3n]) {
      store.loadSync(id, 1n).release();
      expect(store.cacheUsage.entries).toBeLessThanOrEqual(2);
    }
    expect(store.cacheUsage.entries).toBe(2);
    const sizes = [2n, 3n].map((id) => statSync(join(store.storagePath, "1", `${id}.rfx`)).size);
    expect(store.cacheUsage.bytes).toBe(sizes.reduce((a, b) => a + b, 0));
  });

  test("maxBytes bounds the bytes held; an entry larger than the bound is not cached", () => {
    const store = openStore(tempDir(), { handleCache: { maxEntries: 100, maxBytes: 10 * KiB } });
    for (const id of [1n, 2n, 3n, 4n]) store.storeSync(id, makeEntry({ payload: patternBytes(4 * KiB) })).release();
    store.storeSync(9n, makeEntry({ payload: patternBytes(20 * KiB) })).release();
    for (const id of [1n, 2n, 3n, 4n]) {
      store.loadSync(id, 1n).release();
      expect(store.cacheUsage.bytes).toBeLessThanOrEqual(10 * KiB);
    }
    expect(store.cacheUsage.entries).toBe(2);
    const before = store.cacheUsage;
    const big = store.loadSync(9n, 1n);
    expect(big.payloadBlob.byteLength).toBe(20 * KiB);
    big.release();
    expect(store.cacheUsage).toEqual(before);
  });

  test("a mapped entry evicted from the cache while a handle holds it stays readable", () => {
    const store = openStore(tempDir(), { handleCache: { maxEntries: 1 } });
    const entry = makeEntry({ payload: patternBytes(MiB, 5) });
    store.storeSync(1n, entry).release();
    store.storeSync(2n, makeEntry({ payload: "small" })).release();
    const held = store.loadSync(1n, 1n);
    store.loadSync(2n, 1n).release(); // evicts 1
    expect(store.cacheUsage.entries).toBe(1);
    expect(store.liveMappings).toBe(1);
    expect(sameBytes(held.payloadBlob, entry.payloadBlob)).toBe(true);
    held.release();
    expect(store.liveMappings).toBe(0);
  });
});

describe("payloadDigest", () => {
  test("is the payload's wyhash, the same for every handle of a file, and refused after release", () => {
    const payload = new TextEncoder().encode("digest me");
    const bytes = encodeEnvelope(3n, makeEntry({ payload }));
    const file = new LoadedFile(1n, 3n, bytes, decodeEnvelope(bytes).entry, null);
    const [a, b] = [new EntryHandle(file), new EntryHandle(file)];
    expect(a.payloadDigest).toBe(BigInt(Bun.hash.wyhash(payload)));
    expect(b.payloadDigest).toBe(a.payloadDigest);
    a.release();
    expect(() => a.payloadDigest).toThrow();
    b.release();
  });
});

describe("protobufBytes", () => {
  test("is the stored body: the protobuf encoding of the entry, after a v1 or a v2 header", () => {
    for (const expiresAt of [0n, 1_900_000_000n]) {
      const entry = makeEntry({ payload: "body bytes" });
      const bytes = encodeEnvelope(5n, entry, expiresAt);
      const handle = new EntryHandle(new LoadedFile(1n, 5n, bytes, decodeEnvelope(bytes).entry, null, expiresAt));
      expect([...handle.protobufBytes]).toEqual([...encodeEntryBody(entry)]);
      expect(handle.protobufBytes.buffer).toBe(bytes.buffer);
      handle.release();
      expect(() => handle.protobufBytes).toThrow();
    }
  });
});
