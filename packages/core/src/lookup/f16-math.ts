// The f16 arithmetic of the lookup index's exact scores: a dot product through the
// decode table, and the checkpoints and partial norms its early exit bounds rely on.
import { F16_TABLE } from "./f16.ts";

/** Checkpoints of an exact score: after 1/4, 1/2 and 3/4 of the dimensions, the bound is checked. */
export const CHECKS = 3;

/** Σ f16(vectors[offset + j]) · unit[j] for j in [from, to), four sums at a time. */
export function dot(vectors: Uint16Array, offset: number, unit: Float64Array, from: number, to: number): number {
  const table = F16_TABLE;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = from;
  for (; j + 4 <= to; j += 4) {
    const at = offset + j;
    s0 += (table[vectors[at] as number] as number) * (unit[j] as number);
    s1 += (table[vectors[at + 1] as number] as number) * (unit[j + 1] as number);
    s2 += (table[vectors[at + 2] as number] as number) * (unit[j + 2] as number);
    s3 += (table[vectors[at + 3] as number] as number) * (unit[j + 3] as number);
  }
  for (; j < to; j++) s0 += (table[vectors[offset + j] as number] as number) * (unit[j] as number);
  return s0 + s1 + s2 + s3;
}

/** Where an exact score of a `dim`-dimension vector checks its bound: after 1/4, 1/2, 3/4 (none below 32). */
export function checkpointsOf(dim: number): number[] {
  return dim >= 32 ? Array.from({ length: CHECKS }, (_, c) => ((c + 1) * dim) >> 2) : [];
}

/**
 * Σ v[j]² over each stretch between checkpoints (the last runs to the end), in one pass:
 * their sum is |v|², and the sums from a checkpoint on give the tail norms.
 */
export function squaredSums(bits: Uint16Array, checkpoints: readonly number[]): Float64Array {
  const sums = new Float64Array(checkpoints.length + 1);
  let from = 0;
  for (let q = 0; q <= checkpoints.length; q++) {
    const to = q < checkpoints.length ? (checkpoints[q] as number) : bits.length;
    let sum = 0;
    for (let j = from; j < to; j++) {
      const value = F16_TABLE[bits[j] as number] as number;
      sum += value * value;
    }
    sums[q] = sum;
    from = to;
  }
  return sums;
}
