import { describe, expect, test } from "bun:test";
import { hash64 } from "./hash64.ts";

describe("hash64", () => {
  test("is a u64, the same for the same bytes and for their string", () => {
    const bytes = new TextEncoder().encode("héllo");
    const value = hash64(bytes);
    expect(value).toBeGreaterThanOrEqual(0n);
    expect(value).toBeLessThan(2n ** 64n);
    expect(hash64(bytes)).toBe(value);
    expect(hash64("héllo")).toBe(value);
    expect(hash64("hello")).not.toBe(value);
  });
});
