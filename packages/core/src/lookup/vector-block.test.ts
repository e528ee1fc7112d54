import { describe, expect, test } from "bun:test";
import type { IndexedEntry } from "./indexed-entry.ts";
import { BLOCK_ROWS, type Block, blockFor, copyRow, rowBytes } from "./vector-block.ts";

const entryOf = (entryId: bigint): IndexedEntry => ({
  entryId,
  contextHash: 0n,
  timestamp: 0n,
  expiresAt: 0n,
  dim: 2,
  slot: -1,
});

describe("vector blocks", () => {
  test("the last block doubles up to BLOCK_ROWS, keeping its rows, then a new block starts", () => {
    const blocks: Block[] = [];
    const capacities: number[] = [];
    for (let slot = 0; slot <= BLOCK_ROWS; slot++) {
      const block = blockFor(blocks, slot, 2);
      const row = slot % BLOCK_ROWS;
      block.vectors[row * 2] = slot;
      block.entries[row] = entryOf(BigInt(slot));
      if (capacities[capacities.length - 1] !== block.capacity) capacities.push(block.capacity);
    }
    expect(capacities).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1]);
    expect(blocks.length).toBe(2);
    const first = blocks[0] as Block;
    for (let row = 0; row < BLOCK_ROWS; row++) {
      expect(first.vectors[row * 2]).toBe(row);
      expect(first.entries[row]?.entryId).toBe(BigInt(row));
    }
  });

  test("copyRow moves a row's vector, sketch, norms and entry", () => {
    const blocks: Block[] = [];
    const from = blockFor(blocks, 0, 2);
    from.vectors.set([3, 4]);
    from.sketches.set([1, 2, 3, 4]);
    from.inverseNorms[0] = 0.5;
    from.tailNorms.set([0.9, 0.6, 0.3]);
    from.entries[0] = entryOf(42n);
    const to = blockFor(blocks, 1, 2);
    copyRow(to, 0, to, 1, 2);
    expect([...to.vectors.subarray(2, 4)]).toEqual([3, 4]);
    expect([...to.sketches.subarray(4, 8)]).toEqual([1, 2, 3, 4]);
    expect(to.inverseNorms[1]).toBe(0.5);
    expect([...to.tailNorms.subarray(3, 6)]).toEqual([0.9, 0.6, 0.3]);
    expect(to.entries[1]?.entryId).toBe(42n);
    expect(rowBytes(768)).toBeGreaterThan(768 * 2);
  });
});
