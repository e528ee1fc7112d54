import { describe, expect, test } from "bun:test";
import { makeEntry, plain } from "./entry.ts";

describe("makeEntry", () => {
  test("fills every field with a default", () => {
    expect(plain(makeEntry())).toEqual({
      tenantId: 1n,
      contextHash: 0xc0ffeen,
      timestamp: 1_700_000_000n,
      embedding: [1, 2, 3, 4, 5, 6, 7, 8],
      payloadBlob: Array.from(new TextEncoder().encode("hello, reflex")),
    });
  });

  test("takes each field from the spec; a string payload is UTF-8, bytes are kept as given", () => {
    const bytes = new Uint8Array([9, 8, 7]);
    const entry = makeEntry({ tenantId: 5n, contextHash: 6n, timestamp: -7n, embedding: bytes, payload: "é" });
    expect(plain(entry)).toEqual({
      tenantId: 5n,
      contextHash: 6n,
      timestamp: -7n,
      embedding: [9, 8, 7],
      payloadBlob: [0xc3, 0xa9],
    });
    expect(entry.embedding).toBe(bytes);
    expect(makeEntry({ payload: bytes }).payloadBlob).toBe(bytes);
  });
});

describe("plain", () => {
  test("turns byte views into number arrays, so views over other buffers compare equal", () => {
    const backing = new Uint8Array([0, 1, 2, 3, 4]);
    const view = makeEntry({ embedding: backing.subarray(1, 3), payload: backing.subarray(3) });
    const copy = makeEntry({ embedding: new Uint8Array([1, 2]), payload: new Uint8Array([3, 4]) });
    expect(plain(view)).toEqual(plain(copy));
    expect(plain(view).embedding).toEqual([1, 2]);
    expect(plain(makeEntry({ payload: "a" }))).not.toEqual(plain(makeEntry({ payload: "b" })));
  });
});
