// The storage of a vector set: rows in blocks of contiguous typed arrays.
//
//   slot s  ->  block s >>> BLOCK_SHIFT, row s & (BLOCK_ROWS - 1)
//   a block: vectors   dim u16 (f16 bit patterns) a row
//            sketches  SKETCH_WORDS u32 a row
//            inverseNorms, tailNorms (CHECKS a row), entries
//
// Every block but the last holds BLOCK_ROWS rows; the last grows by doubling from
// FIRST_ROWS, so a set of a few rows stays small.
import { CHECKS } from "./f16-math.ts";
import type { IndexedEntry } from "./indexed-entry.ts";
import { SKETCH_WORDS } from "./sketch.ts";

/** Rows per full block. */
export const BLOCK_ROWS = 1024;
/** log2 of {@link BLOCK_ROWS}: a slot's block is `slot >>> BLOCK_SHIFT`. */
export const BLOCK_SHIFT = 10;
/** Capacity of a new last block. */
const FIRST_ROWS = 1;
/** Fixed bytes per row beside the vector: sketch, inverse norm, tail norms, the entry pointer. */
const ROW_OVERHEAD_BYTES = SKETCH_WORDS * 4 + 8 + CHECKS * 8 + 8;

/** Bytes of one row of `dim` dimensions. */
export function rowBytes(dim: number): number {
  return dim * 2 + ROW_OVERHEAD_BYTES;
}

/** Up to {@link BLOCK_ROWS} rows of one vector set. */
export class Block {
  readonly vectors: Uint16Array;
  readonly sketches: Uint32Array;
  /** 1 / |v| per row. */
  readonly inverseNorms: Float64Array;
  /** |v[checkpoint:]| / |v| per row and checkpoint: bounds what the rest of a dot product can add. */
  readonly tailNorms: Float64Array;
  readonly entries: (IndexedEntry | undefined)[];

  constructor(
    readonly capacity: number,
    dim: number,
  ) {
    this.vectors = new Uint16Array(capacity * dim);
    this.sketches = new Uint32Array(capacity * SKETCH_WORDS);
    this.inverseNorms = new Float64Array(capacity);
    this.tailNorms = new Float64Array(capacity * CHECKS);
    this.entries = new Array(capacity);
  }
}

/** The block that holds `slot` (the next free slot or one below it), adding or growing the last block when needed. */
export function blockFor(blocks: Block[], slot: number, dim: number): Block {
  const index = slot >>> BLOCK_SHIFT;
  const block = blocks[index];
  const row = slot & (BLOCK_ROWS - 1);
  if (block === undefined) {
    const first = new Block(FIRST_ROWS, dim);
    blocks.push(first);
    return first;
  }
  if (row < block.capacity) return block;
  const grown = new Block(Math.min(BLOCK_ROWS, block.capacity * 2), dim);
  grown.vectors.set(block.vectors);
  grown.sketches.set(block.sketches);
  grown.inverseNorms.set(block.inverseNorms);
  grown.tailNorms.set(block.tailNorms);
  for (let i = 0; i < block.capacity; i++) grown.entries[i] = block.entries[i];
  blocks[index] = grown;
  return grown;
}

/** Copies row `fromRow` of `from` over row `toRow` of `to` (vector, sketch, norms and entry; the entry's slot is the caller's). */
export function copyRow(from: Block, fromRow: number, to: Block, toRow: number, dim: number): void {
  to.vectors.set(from.vectors.subarray(fromRow * dim, fromRow * dim + dim), toRow * dim);
  for (let w = 0; w < SKETCH_WORDS; w++) {
    to.sketches[toRow * SKETCH_WORDS + w] = from.sketches[fromRow * SKETCH_WORDS + w] as number;
  }
  to.inverseNorms[toRow] = from.inverseNorms[fromRow] as number;
  for (let c = 0; c < CHECKS; c++) to.tailNorms[toRow * CHECKS + c] = from.tailNorms[fromRow * CHECKS + c] as number;
  to.entries[toRow] = from.entries[fromRow];
}
