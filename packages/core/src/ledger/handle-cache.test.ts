import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeEnvelope, encodeEnvelope } from "@reflex/codec";
import { makeEntry, patternBytes, tempDir } from "@reflex/testkit";
import { cleanupTestState } from "../../test/helpers.ts";
import { EntryHandle } from "../handle/entry-handle.ts";
import { LoadedFile, MappingBudget } from "../handle/loaded-file.ts";
import { HandleCache } from "./handle-cache.ts";

afterEach(cleanupTestState);

/** A heap-backed LoadedFile of exactly `fileBytes` bytes (payload sized to fit). */
function heapFile(id: bigint, fileBytes = 100): LoadedFile {
  const encode = (length: number) => encodeEnvelope(id, makeEntry({ payload: patternBytes(length, Number(id)) }));
  // The payload's length prefix grows with it: shrink the payload until the file fits.
  let length = fileBytes;
  let bytes = encode(length);
  while (bytes.byteLength > fileBytes && length > 0) bytes = encode(--length);
  expect(bytes.byteLength).toBe(fileBytes);
  return new LoadedFile(1n, id, bytes, decodeEnvelope(bytes).entry, null);
}

/** A LoadedFile backed by a private mapping of a real file, counted in `budget`. */
function mappedFile(id: bigint, budget: MappingBudget): LoadedFile {
  const path = join(tempDir(), `${id}.rfx`);
  writeFileSync(path, encodeEnvelope(id, makeEntry({ payload: patternBytes(64 * 1024, Number(id)) })));
  const bytes = Bun.mmap(path, { shared: false });
  return new LoadedFile(1n, id, bytes, decodeEnvelope(bytes).entry, budget);
}

const keys = (cache: HandleCache, ids: readonly bigint[]): (string | undefined)[] =>
  ids.map((id) => (cache.get(HandleCache.key(1n, id)) === undefined ? undefined : `${id}`));

describe("HandleCache", () => {
  test("key is tenant/id and distinguishes tenants", () => {
    expect(HandleCache.key(1n, 2n)).toBe("1/2");
    expect(HandleCache.key(12n, 3n)).not.toBe(HandleCache.key(1n, 23n));
  });

  test("get returns what set stored; a miss is undefined", () => {
    const cache = new HandleCache({ maxEntries: 10, maxBytes: 1 << 20 });
    const file = heapFile(1n);
    cache.set("1/1", file);
    expect(cache.get("1/1")).toBe(file);
    expect(cache.get("1/2")).toBeUndefined();
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBe(100);
  });

  test("the entry bound evicts the least recently used, and get refreshes", () => {
    const cache = new HandleCache({ maxEntries: 3, maxBytes: 1 << 20 });
    for (const id of [1n, 2n, 3n]) cache.set(HandleCache.key(1n, id), heapFile(id));
    expect(cache.get(HandleCache.key(1n, 1n))).toBeDefined(); // 1 is now the most recent: order 2, 3, 1
    cache.set(HandleCache.key(1n, 4n), heapFile(4n)); // evicts 2
    expect(cache.size).toBe(3);
    expect(cache.get(HandleCache.key(1n, 2n))).toBeUndefined();
    cache.set(HandleCache.key(1n, 5n), heapFile(5n)); // order was 3, 1, 4: evicts 3
    expect(keys(cache, [1n, 2n, 3n, 4n, 5n])).toEqual(["1", undefined, undefined, "4", "5"]);
  });

  test("the byte bound evicts until the bytes fit", () => {
    const cache = new HandleCache({ maxEntries: 100, maxBytes: 350 });
    for (const id of [1n, 2n, 3n]) cache.set(HandleCache.key(1n, id), heapFile(id, 100));
    expect(cache.bytes).toBe(300);
    cache.set(HandleCache.key(1n, 4n), heapFile(4n, 200)); // 500 bytes: 1 and 2 go
    expect(cache.bytes).toBe(300);
    expect(cache.size).toBe(2);
    expect(keys(cache, [1n, 2n, 3n, 4n])).toEqual([undefined, undefined, "3", "4"]);
    expect(cache.bytes).toBeLessThanOrEqual(cache.limits.maxBytes);
  });

  test("a file larger than maxBytes is not cached and evicts nothing", () => {
    const cache = new HandleCache({ maxEntries: 100, maxBytes: 150 });
    cache.set("1/1", heapFile(1n, 100));
    cache.set("1/2", heapFile(2n, 200));
    expect(cache.size).toBe(1);
    expect(cache.get("1/1")).toBeDefined();
    expect(cache.get("1/2")).toBeUndefined();
  });

  test("maxEntries 0 turns the cache off", () => {
    const cache = new HandleCache({ maxEntries: 0, maxBytes: 1 << 20 });
    cache.set("1/1", heapFile(1n));
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
    expect(cache.get("1/1")).toBeUndefined();
  });

  test("set under an existing key replaces the older file and its bytes", () => {
    const cache = new HandleCache({ maxEntries: 10, maxBytes: 1 << 20 });
    const older = heapFile(1n, 100);
    const newer = heapFile(1n, 120);
    cache.set("1/1", older);
    cache.set("1/1", newer);
    expect(cache.get("1/1")).toBe(newer);
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBe(120);
  });

  test("invalidate forgets a key and its bytes; clear forgets all", () => {
    const cache = new HandleCache({ maxEntries: 10, maxBytes: 1 << 20 });
    for (const id of [1n, 2n, 3n]) cache.set(HandleCache.key(1n, id), heapFile(id));
    cache.invalidate(HandleCache.key(1n, 2n));
    cache.invalidate(HandleCache.key(1n, 99n)); // a miss is a no-op
    expect(keys(cache, [1n, 2n, 3n])).toEqual(["1", undefined, "3"]);
    expect(cache.bytes).toBe(200);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });
});

describe("HandleCache references to mapped files", () => {
  test("invalidate drops the cache's reference: the last one unmaps the file", () => {
    const budget = new MappingBudget(10);
    const file = mappedFile(1n, budget);
    expect(file.mapped).toBe(true);
    expect(budget.live).toBe(1);
    const cache = new HandleCache({ maxEntries: 10, maxBytes: 1 << 20 });
    cache.set("1/1", file);
    expect(file.bytes.byteLength).toBeGreaterThan(64 * 1024);
    cache.invalidate("1/1");
    expect(file.bytes.byteLength).toBe(0);
    expect(file.entry.payloadBlob.byteLength).toBe(0);
    expect(budget.live).toBe(0);
  });

  test("a file still held by a handle survives eviction and unmaps when the handle is released", () => {
    const budget = new MappingBudget(10);
    const file = mappedFile(1n, budget);
    const size = file.bytes.byteLength;
    const cache = new HandleCache({ maxEntries: 1, maxBytes: 1 << 20 });
    cache.set("1/1", file);
    const handle = new EntryHandle(file);
    cache.set("1/2", heapFile(2n)); // evicts 1/1
    expect(cache.get("1/1")).toBeUndefined();
    expect(file.bytes.byteLength).toBe(size);
    expect(handle.payloadBlob.byteLength).toBe(64 * 1024);
    expect(budget.live).toBe(1);
    handle.release();
    expect(file.bytes.byteLength).toBe(0);
    expect(budget.live).toBe(0);
  });

  test("eviction by the entry bound and clear() unmap files nobody else holds", () => {
    const budget = new MappingBudget(10);
    const files = [1n, 2n, 3n].map((id) => mappedFile(id, budget));
    const cache = new HandleCache({ maxEntries: 2, maxBytes: 1 << 30 });
    files.forEach((file, i) => {
      cache.set(`1/${i}`, file);
    });
    expect(files.map((file) => file.bytes.byteLength > 0)).toEqual([false, true, true]);
    expect(budget.live).toBe(2);
    cache.clear();
    expect(files.map((file) => file.bytes.byteLength)).toEqual([0, 0, 0]);
    expect(budget.live).toBe(0);
  });

  test("a file not taken by a disabled cache is still unmapped by its last handle", () => {
    const budget = new MappingBudget(10);
    const file = mappedFile(1n, budget);
    const cache = new HandleCache({ maxEntries: 0, maxBytes: 1 << 20 });
    cache.set("1/1", file);
    const handle = new EntryHandle(file);
    expect(budget.live).toBe(1);
    handle.release();
    expect(file.bytes.byteLength).toBe(0);
    expect(budget.live).toBe(0);
  });
});

describe("MappingBudget", () => {
  test("hasRoom is false at the bound", () => {
    const budget = new MappingBudget(1);
    expect(budget.hasRoom()).toBe(true);
    const file = mappedFile(1n, budget);
    expect(budget.hasRoom()).toBe(false);
    new EntryHandle(file).release();
    expect(budget.hasRoom()).toBe(true);
    expect(new MappingBudget(0).hasRoom()).toBe(false);
  });
});
