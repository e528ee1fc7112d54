import { afterEach, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeEnvelope } from "@reflex/codec";
import { makeEntry, patternBytes, plain, sameBytes, tempDir } from "@reflex/testkit";
import {
  cleanupTestState,
  expectStoreError,
  expectStoreErrorAsync,
  flipByte,
  openStore,
  truncateTo,
} from "../../test/helpers.ts";
import { MappingBudget } from "../handle/loaded-file.ts";
import { DEFAULT_STORAGE_OPTIONS } from "../store/store-options.ts";
import { readEntryFile } from "./read-entry.ts";

afterEach(cleanupTestState);

const MiB = 1024 * 1024;
const KiB = 1024;

/** A store whose handle cache is off, so every load reads the file. */
const uncachedStore = (root = tempDir()) => openStore(root, { handleCache: { maxEntries: 0 }, durability: "atomic" });

describe("corruption on load", () => {
  test("a flipped byte is corrupt (checksum_mismatch) when it happens before the first load", async () => {
    const store = openStore();
    store.storeSync(5n, makeEntry({ payload: "precious" })).release();
    flipByte(join(store.storagePath, "1", "5.rfx"), -1);
    const error = await expectStoreErrorAsync(() => store.load(5n, 1n), "corrupt");
    expect(error.reason).toBe("checksum_mismatch");
    expect(error.message).toContain("5.rfx");
    expect(expectStoreError(() => store.loadSync(5n, 1n), "corrupt").reason).toBe("checksum_mismatch");
    expect(store.cacheUsage.entries).toBe(0); // a refused file is never cached
  });

  test("no single flipped byte anywhere in a file ever loads", () => {
    const store = uncachedStore();
    const entry = makeEntry({ tenantId: 3n, contextHash: 0xabcdefn, timestamp: -99n, payload: "tiny but whole" });
    store.storeSync(77n, entry).release();
    const path = join(store.storagePath, "3", "77.rfx");
    const original = readFileSync(path);
    const reasons = new Set<string | undefined>();
    for (let offset = 0; offset < original.byteLength; offset++) {
      writeFileSync(path, original);
      flipByte(path, offset, 0x10);
      reasons.add(expectStoreError(() => store.loadSync(77n, 3n), "corrupt").reason);
    }
    expect([...reasons].sort()).toEqual(
      ["bad_header", "bad_magic", "checksum_mismatch", "trailing_bytes", "truncated", "unsupported_version"].sort(),
    );
    writeFileSync(path, original);
    expect(plain(store.loadSync(77n, 3n))).toEqual(plain(entry));
  });

  test.each([1, 3, 16, 31, 32, 40])("a file truncated to %i bytes is corrupt (truncated)", (length) => {
    const store = uncachedStore();
    store.storeSync(5n, makeEntry({ payload: patternBytes(100) })).release();
    truncateTo(join(store.storagePath, "1", "5.rfx"), length);
    expect(expectStoreError(() => store.loadSync(5n, 1n), "corrupt").reason).toBe("truncated");
  });

  test("a file missing only its last byte is corrupt (truncated)", () => {
    const store = uncachedStore();
    store.storeSync(5n, makeEntry({ payload: patternBytes(100) })).release();
    const path = join(store.storagePath, "1", "5.rfx");
    truncateTo(path, statSync(path).size - 1);
    expect(expectStoreError(() => store.loadSync(5n, 1n), "corrupt").reason).toBe("truncated");
  });

  test("a zero-length file is corrupt (truncated)", async () => {
    const store = uncachedStore();
    store.ensureStoragePath();
    mkdirSync(join(store.storagePath, "1"));
    writeFileSync(join(store.storagePath, "1", "5.rfx"), new Uint8Array(0));
    expect((await expectStoreErrorAsync(() => store.load(5n, 1n), "corrupt")).reason).toBe("truncated");
    expect(store.existsSync(5n, 1n)).toBe(true);
  });

  test("bytes appended to a file make it corrupt (trailing_bytes)", () => {
    const store = uncachedStore();
    store.storeSync(5n, makeEntry()).release();
    const path = join(store.storagePath, "1", "5.rfx");
    writeFileSync(path, Buffer.concat([readFileSync(path), Buffer.from([0])]));
    expect(expectStoreError(() => store.loadSync(5n, 1n), "corrupt").reason).toBe("trailing_bytes");
  });

  test("tenant 1's file copied into tenant 2's dir is refused (tenant_mismatch)", () => {
    const store = openStore();
    store.storeSync(5n, makeEntry({ tenantId: 1n, payload: "tenant one's secret" })).release();
    store.storeSync(9n, makeEntry({ tenantId: 2n })).release();
    copyFileSync(join(store.storagePath, "1", "5.rfx"), join(store.storagePath, "2", "5.rfx"));
    expect(store.existsSync(5n, 2n)).toBe(true);
    const error = expectStoreError(() => store.loadSync(5n, 2n), "corrupt");
    expect(error.reason).toBe("tenant_mismatch");
    expect(error.message).toContain("tenant 1");
    const own = store.loadSync(5n, 1n);
    expect(new TextDecoder().decode(own.payloadBlob)).toBe("tenant one's secret");
    own.release();
  });

  test("5.rfx renamed to 6.rfx is refused (id_mismatch)", async () => {
    const store = openStore();
    store.storeSync(5n, makeEntry()).release();
    renameSync(join(store.storagePath, "1", "5.rfx"), join(store.storagePath, "1", "6.rfx"));
    expect((await expectStoreErrorAsync(() => store.load(6n, 1n), "corrupt")).reason).toBe("id_mismatch");
    await expectStoreErrorAsync(() => store.load(5n, 1n), "not_found");
  });

  test("damage after a cached load shows on a new store instance and on a store without the cache", () => {
    const root = tempDir();
    const store = openStore(root);
    store.storeSync(5n, makeEntry({ payload: "v1" })).release();
    store.loadSync(5n, 1n).release();
    flipByte(join(root, "1", "5.rfx"), -1);
    expect(expectStoreError(() => openStore(root).loadSync(5n, 1n), "corrupt").reason).toBe("checksum_mismatch");
    expect(expectStoreError(() => uncachedStore(root).loadSync(5n, 1n), "corrupt").reason).toBe("checksum_mismatch");
  });

  test("a damaged mapped-size file is refused and its mapping is given back", () => {
    const store = uncachedStore();
    store.storeSync(5n, makeEntry({ payload: patternBytes(MiB) })).release();
    flipByte(join(store.storagePath, "1", "5.rfx"), 512 * KiB);
    expect(expectStoreError(() => store.loadSync(5n, 1n), "corrupt").reason).toBe("checksum_mismatch");
    expect(store.liveMappings).toBe(0);
    renameSync(join(store.storagePath, "1", "5.rfx"), join(store.storagePath, "1", "6.rfx"));
    flipByte(join(store.storagePath, "1", "6.rfx"), 512 * KiB); // undo the flip: whole, but misnamed
    expect(expectStoreError(() => store.loadSync(6n, 1n), "corrupt").reason).toBe("id_mismatch");
    expect(store.liveMappings).toBe(0);
  });

  test("a directory where an entry file should be is an error, never an entry", () => {
    const store = uncachedStore();
    store.ensureStoragePath();
    mkdirSync(join(store.storagePath, "1", "9.rfx"), { recursive: true });
    const error = expectStoreError(() => store.loadSync(9n, 1n), ["io", "not_found"]);
    expect(error.message.length).toBeGreaterThan(0);
  });
});

describe("mapped or read", () => {
  test("a 1 MiB payload is mapped, a 4 KiB one is read into the heap (default threshold 256 KiB)", async () => {
    expect(DEFAULT_STORAGE_OPTIONS.mmapThresholdBytes).toBe(256 * KiB);
    const store = openStore();
    const big = makeEntry({ payload: patternBytes(MiB, 1) });
    const small = makeEntry({ payload: patternBytes(4 * KiB, 2) });
    (await store.store(1n, big)).release();
    (await store.store(2n, small)).release();

    const bigHandle = await store.load(1n, 1n);
    expect(bigHandle.mapped).toBe(true);
    expect(sameBytes(bigHandle.payloadBlob, big.payloadBlob)).toBe(true);
    expect(bigHandle.fileBytes).toBe(statSync(join(store.storagePath, "1", "1.rfx")).size);
    expect(store.liveMappings).toBe(1);

    const smallHandle = await store.load(2n, 1n);
    expect(smallHandle.mapped).toBe(false);
    expect(plain(smallHandle)).toEqual(plain(small));
    expect(store.liveMappings).toBe(1);
    bigHandle.release();
    smallHandle.release();
  });

  test("files between the 64 KiB read buffer and the threshold are read whole", () => {
    const store = openStore();
    const entries = [100 * KiB, 256 * KiB - 200].map((size, i) => makeEntry({ payload: patternBytes(size, i + 3) }));
    entries.forEach((entry, i) => {
      store.storeSync(BigInt(i), entry).release();
    });
    entries.forEach((entry, i) => {
      const handle = store.loadSync(BigInt(i), 1n);
      expect(handle.mapped).toBe(false);
      expect(sameBytes(handle.payloadBlob, entry.payloadBlob)).toBe(true);
      handle.release();
    });
  });

  test("files of 64 KiB - 1, 64 KiB and 64 KiB + 1 bytes load exactly", () => {
    const store = uncachedStore();
    for (const fileSize of [64 * KiB - 1, 64 * KiB, 64 * KiB + 1]) {
      // Empty fields but the payload: a 32-byte header, a 1-byte tag, a 3-byte length, the payload.
      const entry = makeEntry({
        tenantId: 0n,
        contextHash: 0n,
        timestamp: 0n,
        embedding: new Uint8Array(0),
        payload: patternBytes(fileSize - 36, fileSize),
      });
      expect(encodeEnvelope(1n, entry).byteLength).toBe(fileSize);
      store.storeSync(BigInt(fileSize), entry).release();
      const handle = store.loadSync(BigInt(fileSize), 0n);
      expect(handle.fileBytes).toBe(fileSize);
      expect(sameBytes(handle.payloadBlob, entry.payloadBlob)).toBe(true);
      handle.release();
    }
  });

  test("a lower mmapThresholdBytes maps smaller files", () => {
    const store = openStore(tempDir(), { mmapThresholdBytes: 128 * KiB });
    const entry = makeEntry({ payload: patternBytes(200 * KiB) });
    store.storeSync(1n, entry).release();
    const handle = store.loadSync(1n, 1n);
    expect(handle.mapped).toBe(true);
    expect(sameBytes(handle.payloadBlob, entry.payloadBlob)).toBe(true);
    handle.release();
  });

  test("with maxMappings 0 large entries load unmapped and whole", () => {
    const store = openStore(tempDir(), { maxMappings: 0 });
    const entry = makeEntry({ payload: patternBytes(MiB, 9) });
    store.storeSync(1n, entry).release();
    const handle = store.loadSync(1n, 1n);
    expect(handle.mapped).toBe(false);
    expect(sameBytes(handle.payloadBlob, entry.payloadBlob)).toBe(true);
    expect(store.liveMappings).toBe(0);
    handle.release();
  });

  test("past maxMappings further large loads are read instead", () => {
    const store = openStore(tempDir(), { maxMappings: 1, handleCache: { maxEntries: 0 } });
    for (const id of [1n, 2n])
      store.storeSync(id, makeEntry({ payload: patternBytes(300 * KiB, Number(id)) })).release();
    const first = store.loadSync(1n, 1n);
    const second = store.loadSync(2n, 1n);
    expect([first.mapped, second.mapped]).toEqual([true, false]);
    expect(store.liveMappings).toBe(1);
    first.release();
    expect(store.liveMappings).toBe(0);
    const third = store.loadSync(2n, 1n);
    expect(third.mapped).toBe(true);
    expect(sameBytes(third.payloadBlob, second.payloadBlob)).toBe(true);
    second.release();
    third.release();
    expect(store.liveMappings).toBe(0);
  });
});

describe("readEntryFile", () => {
  const options = () => ({ mmapThresholdBytes: 256 * KiB, budget: new MappingBudget(8) });

  test("reads and verifies one file into a LoadedFile", () => {
    const dir = tempDir();
    const entry = makeEntry({ tenantId: 4n, payload: "direct" });
    const path = join(dir, "12.rfx");
    writeFileSync(path, encodeEnvelope(12n, entry));
    const file = readEntryFile(path, 4n, 12n, options());
    expect(file.tenantId).toBe(4n);
    expect(file.entryId).toBe(12n);
    expect(file.mapped).toBe(false);
    expect(file.bytes.byteLength).toBe(statSync(path).size);
    expect(plain(file.entry)).toEqual(plain(entry));
  });

  test("the bytes of one read do not change when another file is read next", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "1.rfx"), encodeEnvelope(1n, makeEntry({ payload: "first file" })));
    writeFileSync(join(dir, "2.rfx"), encodeEnvelope(2n, makeEntry({ payload: "the second file" })));
    const first = readEntryFile(join(dir, "1.rfx"), 1n, 1n, options());
    readEntryFile(join(dir, "2.rfx"), 1n, 2n, options());
    expect(new TextDecoder().decode(first.entry.payloadBlob)).toBe("first file");
  });

  test("a missing file is not_found, a mismatched one corrupt", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "1.rfx"), encodeEnvelope(1n, makeEntry({ tenantId: 1n })));
    expectStoreError(() => readEntryFile(join(dir, "nope.rfx"), 1n, 1n, options()), "not_found");
    expectStoreError(() => readEntryFile(join(dir, "nope", "1.rfx"), 1n, 1n, options()), "not_found");
    expect(expectStoreError(() => readEntryFile(join(dir, "1.rfx"), 2n, 1n, options()), "corrupt").reason).toBe(
      "tenant_mismatch",
    );
    expect(expectStoreError(() => readEntryFile(join(dir, "1.rfx"), 1n, 2n, options()), "corrupt").reason).toBe(
      "id_mismatch",
    );
  });
});

describe("a directory named like an entry", () => {
  const options = () => ({ mmapThresholdBytes: 256 * KiB, budget: new MappingBudget(8) });

  test("is not_found, as listings and exists treat it (never an io error)", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "3.rfx"));
    expect(expectStoreError(() => readEntryFile(join(dir, "3.rfx"), 1n, 3n, options()), "not_found").errno).toBe(
      "EISDIR",
    );
  });
});

describe("the read slab", () => {
  test("files of every size around the slab's free part load whole, in any order, and stay valid while held", () => {
    const store = uncachedStore();
    // 16 KiB to 128 KiB + 1: some fit what is left of the slab, some fill it and go the large-file way.
    const sizes = [16 * KiB - 1, 20 * KiB, 40 * KiB + 3, 60 * KiB, 64 * KiB, 100 * KiB, 127 * KiB, 128 * KiB + 1];
    for (const [i, size] of sizes.entries()) {
      store.storeSync(BigInt(i), makeEntry({ payload: patternBytes(size, i) })).release();
    }
    const held = [];
    for (let round = 0; round < 3; round++) {
      for (const [i, size] of sizes.entries()) {
        const handle = store.loadSync(BigInt(i), 1n);
        expect(sameBytes(handle.payloadBlob, patternBytes(size, i))).toBe(true);
        held.push({ handle, size, i });
      }
    }
    // Every handle still reads its own bytes after all the later loads (no slab part was reused under it).
    for (const { handle, size, i } of held) {
      expect(sameBytes(handle.payloadBlob, patternBytes(size, i))).toBe(true);
      handle.release();
    }
  });
});
