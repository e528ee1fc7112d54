import { expect, test } from "bun:test";
import { cacheKey, llmContextHash } from "./cache-key.ts";

test("the key is wyhash of the length-prefixed pair, a u64", () => {
  const bytes = new Uint8Array([3, 0, 0, 0, ...new TextEncoder().encode("abc"), ...new TextEncoder().encode("llm")]);
  expect(cacheKey("abc", "llm")).toBe(BigInt(Bun.hash.wyhash(bytes, 0n)));
  expect(cacheKey("abc", "llm")).toBe(cacheKey("abc", "llm"));
  expect(cacheKey("ab", "cllm")).not.toBe(cacheKey("abc", "llm")); // the length prefix keeps them apart
  expect(cacheKey("é", "x")).toBeLessThanOrEqual(18_446_744_073_709_551_615n);
  expect(llmContextHash("llm")).toBe(BigInt(Bun.hash.wyhash(new TextEncoder().encode("llm"), 0n)));
});
