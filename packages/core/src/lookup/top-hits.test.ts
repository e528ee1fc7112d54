import { describe, expect, test } from "bun:test";
import type { IndexedEntry } from "./indexed-entry.ts";
import { ranksBefore, TopHits } from "./top-hits.ts";

const entry = (entryId: bigint, timestamp: bigint): IndexedEntry => ({
  entryId,
  contextHash: 0n,
  timestamp,
  expiresAt: 0n,
  dim: 2,
  slot: 0,
});

describe("TopHits", () => {
  test("keeps the best k: by similarity, then newer timestamp, then smaller id", () => {
    const top = new TopHits(3, 0.5);
    expect(top.floor).toBe(0.5);
    top.offer({ entry: entry(1n, 1n), similarity: 0.6 });
    top.offer({ entry: entry(2n, 1n), similarity: 0.9 });
    top.offer({ entry: entry(3n, 5n), similarity: 0.9 });
    top.offer({ entry: entry(0n, 5n), similarity: 0.9 });
    top.offer({ entry: entry(4n, 9n), similarity: 0.55 });
    expect(top.hits.map((hit) => hit.entry.entryId)).toEqual([0n, 3n, 2n]);
    expect(top.floor).toBe(0.9);
  });

  test("ranksBefore is a strict order", () => {
    const a = { entry: entry(1n, 1n), similarity: 0.7 };
    expect(ranksBefore(a, a)).toBe(false);
    expect(ranksBefore(a, { entry: entry(1n, 1n), similarity: 0.6 })).toBe(true);
  });
});
