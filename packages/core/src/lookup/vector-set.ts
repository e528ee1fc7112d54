import { CHECKS, checkpointsOf, dot } from "./f16-math.ts";
import type { IndexedEntry } from "./indexed-entry.ts";
import type { ScanQuery, SketchNearest } from "./scan-query.ts";
import { POPCOUNT16, SKETCH_WORDS, type Sketcher } from "./sketch.ts";
import type { TopHits } from "./top-hits.ts";
import { BLOCK_ROWS, BLOCK_SHIFT, type Block, blockFor, copyRow, rowBytes } from "./vector-block.ts";

/** Below this many rows a search scans every row exactly (the sketch would save nothing). */
const SKETCH_MIN_ROWS = 2048;
/** Below this dimension the sketch directions are too few to be trusted: exact scan. */
const SKETCH_MIN_DIM = 64;
/** Rounding allowance of the Cauchy-Schwarz bound, far above f64 error on unit vectors. */
const BOUND_EPSILON = 1e-9;

/**
 * The searchable vectors of one tenant and one dimension, in contiguous blocks of
 * f16 bit patterns (2 bytes per dimension) with a 128-bit sketch and norms per row.
 * Rows are dense: a removal moves the last row into the hole.
 */
export class VectorSet {
  readonly #blocks: Block[] = [];
  readonly #unsketched = new Set<IndexedEntry>();
  #count = 0;
  /**
   * Where an exact score checks whether the rest of the dot product could still lift
   * it to the floor (Cauchy-Schwarz: at most |q[c:]|·|v[c:]|); none below 32 dimensions.
   */
  readonly checkpoints: readonly number[];

  constructor(
    readonly dim: number,
    private readonly sketcher: Sketcher,
  ) {
    this.checkpoints = checkpointsOf(dim);
  }

  /** |unit[c:]| for each checkpoint c of this set. */
  tailNormsOf(unit: Float64Array): Float64Array {
    const tails = new Float64Array(CHECKS);
    this.checkpoints.forEach((from, c) => {
      let sum = 0;
      for (let j = from; j < unit.length; j++) sum += (unit[j] as number) * (unit[j] as number);
      tails[c] = Math.sqrt(sum);
    });
    return tails;
  }

  /** Rows held. */
  get size(): number {
    return this.#count;
  }

  /** Bytes of one row, for the index's memory bound. */
  static rowBytes(dim: number): number {
    return rowBytes(dim);
  }

  /** Bytes allocated by the blocks. */
  get bytes(): number {
    let bytes = 0;
    for (const block of this.#blocks) bytes += block.capacity * VectorSet.rowBytes(this.dim);
    return bytes;
  }

  /**
   * Adds `entry`'s vector (`bits`, of this set's dimension), given its {@link squaredSums}
   * (whose total is > 0); sets `entry.slot`. With `deferSketch`, the row's sketch is
   * computed by the next {@link flushSketches} (a search flushes first), which keeps the
   * ~13 µs of a 768-dim sketch off the store path.
   */
  add(entry: IndexedEntry, bits: Uint16Array, sums: Float64Array, deferSketch = false): void {
    const slot = this.#count++;
    const block = blockFor(this.#blocks, slot, this.dim);
    const row = slot & (BLOCK_ROWS - 1);
    const dim = this.dim;
    block.vectors.set(bits, row * dim);
    let tail = 0;
    for (let c = CHECKS - 1; c >= 0 && this.checkpoints.length > 0; c--) {
      tail += sums[c + 1] as number;
      block.tailNorms[row * CHECKS + c] = Math.sqrt(tail);
    }
    const norm = Math.sqrt(tail + (sums[0] as number));
    block.inverseNorms[row] = 1 / norm;
    for (let c = 0; c < this.checkpoints.length; c++) {
      block.tailNorms[row * CHECKS + c] = (block.tailNorms[row * CHECKS + c] as number) / norm;
    }
    block.entries[row] = entry;
    entry.slot = slot;
    if (deferSketch) this.#unsketched.add(entry);
    else this.sketcher.sketchF16(block.vectors, row * dim, block.sketches, row * SKETCH_WORDS);
  }

  /** Rows whose sketch is still to be computed. */
  get unsketched(): number {
    return this.#unsketched.size;
  }

  /** Computes the sketch of every row added with `deferSketch` since the last flush. */
  flushSketches(): void {
    for (const entry of this.#unsketched) {
      const block = this.#blocks[entry.slot >>> BLOCK_SHIFT] as Block;
      const row = entry.slot & (BLOCK_ROWS - 1);
      this.sketcher.sketchF16(block.vectors, row * this.dim, block.sketches, row * SKETCH_WORDS);
    }
    this.#unsketched.clear();
  }

  /** Removes the row of `entry`, moving the last row into its place. */
  remove(entry: IndexedEntry): void {
    this.#unsketched.delete(entry);
    const slot = entry.slot;
    const last = --this.#count;
    const lastBlock = this.#blocks[last >>> BLOCK_SHIFT] as Block;
    const lastRow = last & (BLOCK_ROWS - 1);
    if (slot !== last) {
      const block = this.#blocks[slot >>> BLOCK_SHIFT] as Block;
      const row = slot & (BLOCK_ROWS - 1);
      copyRow(lastBlock, lastRow, block, row, this.dim);
      const moved = block.entries[row] as IndexedEntry;
      moved.slot = slot;
    }
    lastBlock.entries[lastRow] = undefined;
    if (lastRow === 0) this.#blocks.pop();
  }

  /** True when a search should use the sketch prefilter rather than score every row. */
  get sketched(): boolean {
    return VectorSet.prefilterPays(this.#count, this.dim);
  }

  /** True when a search over `rows` rows of `dim` dimensions (in one set or several) should use the sketch prefilter. */
  static prefilterPays(rows: number, dim: number): boolean {
    return rows >= SKETCH_MIN_ROWS && dim >= SKETCH_MIN_DIM;
  }

  /** The row whose sketch is nearest to `sketch` (the first of equals), or null when the set is empty. */
  closestBySketch(sketch: Uint32Array): SketchNearest | null {
    this.flushSketches();
    let best: SketchNearest | null = null;
    for (let slot = 0; slot < this.#count; slot++) {
      const block = this.#blocks[slot >>> BLOCK_SHIFT] as Block;
      const at = (slot & (BLOCK_ROWS - 1)) * SKETCH_WORDS;
      let distance = 0;
      for (let w = 0; w < SKETCH_WORDS; w++) {
        const x = (block.sketches[at + w] as number) ^ (sketch[w] as number);
        distance += (POPCOUNT16[x & 0xffff] as number) + (POPCOUNT16[x >>> 16] as number);
      }
      if (best === null || distance < best.distance) best = { slot, distance };
    }
    return best;
  }

  /** Scores one row exactly, as a scan would. */
  scoreSlot(slot: number, query: ScanQuery, top: TopHits): void {
    this.#score(this.#blocks[slot >>> BLOCK_SHIFT] as Block, slot & (BLOCK_ROWS - 1), query, top, true);
  }

  /** Offers every row at or above the threshold to `top`: all rows, or those the sketch lets through. */
  scan(query: ScanQuery, top: TopHits): void {
    const sketch = query.sketch;
    const seek = query.seekNearest === true;
    if (sketch !== null) this.flushSketches();
    let remaining = this.#count;
    for (const block of this.#blocks) {
      const rows = Math.min(remaining, block.capacity);
      remaining -= rows;
      if (sketch === null) {
        for (let row = 0; row < rows; row++) this.#score(block, row, query, top, seek);
        continue;
      }
      const s = block.sketches;
      const [a = 0, b = 0, c = 0, d = 0] = sketch;
      const { halfCutoff, cutoff } = query;
      const bits = POPCOUNT16;
      // The fast path: the distance over the first 64 bits of each row's sketch (rows are
      // SKETCH_WORDS = 4 words apart), two rows an iteration side by side (~10% faster than
      // one at a time), the other 64 bits for the few that pass, then the exact score, in row order.
      const end = rows * 4;
      let at = 0;
      for (; at + 8 <= end; at += 8) {
        const x = (s[at] as number) ^ a;
        const y = (s[at + 1] as number) ^ b;
        const x2 = (s[at + 4] as number) ^ a;
        const y2 = (s[at + 5] as number) ^ b;
        const half =
          (bits[x & 0xffff] as number) +
          (bits[x >>> 16] as number) +
          (bits[y & 0xffff] as number) +
          (bits[y >>> 16] as number);
        const next =
          (bits[x2 & 0xffff] as number) +
          (bits[x2 >>> 16] as number) +
          (bits[y2 & 0xffff] as number) +
          (bits[y2 >>> 16] as number);
        if (half <= halfCutoff && half + distance64(s, at + 2, c, d) <= cutoff)
          this.#score(block, at >>> 2, query, top, seek);
        if (next <= halfCutoff && next + distance64(s, at + 6, c, d) <= cutoff) {
          this.#score(block, (at >>> 2) + 1, query, top, seek);
        }
      }
      if (at === end) continue;
      const half = distance64(s, at, a, b); // an odd last row
      if (half <= halfCutoff && half + distance64(s, at + 2, c, d) <= cutoff)
        this.#score(block, at >>> 2, query, top, seek);
    }
  }

  /** Exact cosine of one row, given up at a checkpoint once the bound says it cannot reach the floor. */
  #score(block: Block, row: number, query: ScanQuery, top: TopHits, seek: boolean): void {
    const vectors = block.vectors;
    const unit = query.unit;
    const dim = this.dim;
    const offset = row * dim;
    const inverse = block.inverseNorms[row] as number;
    const floor = (seek ? Math.min(top.floor, top.nearest) : top.floor) - BOUND_EPSILON;
    const checkpoints = this.checkpoints;
    let sum = 0;
    let from = 0;
    for (let c = 0; c < checkpoints.length; c++) {
      const to = checkpoints[c] as number;
      sum += dot(vectors, offset, unit, from, to);
      from = to;
      const rest = (query.tailNorms[c] as number) * (block.tailNorms[row * CHECKS + c] as number);
      if (sum * inverse + rest < floor) return;
    }
    sum += dot(vectors, offset, unit, from, dim);
    const similarity = Math.max(-1, Math.min(1, sum * inverse));
    const entry = block.entries[row] as IndexedEntry;
    if (similarity > top.nearest && (query.live === undefined || query.live(entry))) top.nearest = similarity;
    if (similarity < top.minSimilarity || seek) return;
    if (!query.admit(entry)) return;
    top.offer({ entry, similarity });
  }
}

/** Hamming distance of the 64 sketch bits at words `at`, `at + 1` of `s` to the query's words `a`, `b`. */
function distance64(s: Uint32Array, at: number, a: number, b: number): number {
  const x = (s[at] as number) ^ a;
  const y = (s[at + 1] as number) ^ b;
  const bits = POPCOUNT16;
  return (
    (bits[x & 0xffff] as number) +
    (bits[x >>> 16] as number) +
    (bits[y & 0xffff] as number) +
    (bits[y >>> 16] as number)
  );
}
