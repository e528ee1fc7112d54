import { describe, expect, test } from "bun:test";
import { concat, patternBytes, sameBytes } from "./bytes.ts";

describe("patternBytes", () => {
  test("is deterministic for a seed, of any length", () => {
    for (const length of [0, 1, 3, 4, 5, 4096, 4097]) {
      expect(patternBytes(length, 9).byteLength).toBe(length);
      expect(patternBytes(length, 9).buffer.byteLength).toBe(length);
      expect(sameBytes(patternBytes(length, 9), patternBytes(length, 9))).toBe(true);
    }
    expect(sameBytes(patternBytes(16), patternBytes(16, 1))).toBe(true);
  });

  test("two seeds differ in every 32-bit word", () => {
    const a = new Uint32Array(patternBytes(4096, 1).buffer);
    const b = new Uint32Array(patternBytes(4096, 2).buffer);
    for (let i = 0; i < a.length; i++) expect(a[i] === b[i]).toBe(false);
  });

  test("a shorter pattern of one seed is a prefix of a longer one, and not constant", () => {
    expect(sameBytes(patternBytes(1000, 3), patternBytes(1003, 3).subarray(0, 1000))).toBe(true);
    expect(new Set(patternBytes(1024, 3)).size).toBeGreaterThan(100);
  });
});

describe("sameBytes", () => {
  test("compares contents, not views or buffers", () => {
    const backing = new Uint8Array([7, 1, 2, 3, 7]);
    expect(sameBytes(backing.subarray(1, 4), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(sameBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(sameBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false);
    expect(sameBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});

describe("concat", () => {
  test("joins the parts in order", () => {
    expect(Array.from(concat([new Uint8Array([1]), new Uint8Array(0), new Uint8Array([2, 3])]))).toEqual([1, 2, 3]);
    expect(concat([]).byteLength).toBe(0);
  });
});
