// A 128-bit sign sketch of a vector (SimHash): bit b is the sign of the vector's
// projection on direction b. Two vectors at angle θ differ in each bit with
// probability about θ/π, so a Hamming distance says roughly how similar they are
// for the cost of a few popcounts. The directions come from two rounds of a
// randomised Hadamard transform (H·D2·H·D1, D random signs), ~12 µs per 768-dim
// vector instead of ~50 µs for a dense random matrix.
import { F16_TABLE } from "./f16.ts";

/** Bits of a sketch. */
export const SKETCH_BITS = 128;
/** u32 words of a sketch. */
export const SKETCH_WORDS = SKETCH_BITS / 32;

/** A fixed seed: sketches of one dimension must agree across opens of a store. */
const SEED = 0x5eed_1e55;

function randomSigns(length: number, seed: number): Float64Array {
  const signs = new Float64Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    signs[i] = ((t ^ (t >>> 14)) >>> 0) & 1 ? 1 : -1;
  }
  return signs;
}

function hadamard(x: Float64Array): void {
  const n = x.length;
  for (let h = 1; h < n; h <<= 1) {
    for (let i = 0; i < n; i += h << 1) {
      for (let j = i; j < i + h; j++) {
        const a = x[j] as number;
        const b = x[j + h] as number;
        x[j] = a + b;
        x[j + h] = a - b;
      }
    }
  }
}

/** Sketches vectors of one dimension. Not reentrant (one scratch buffer). */
export class Sketcher {
  readonly #size: number;
  readonly #first: Float64Array;
  readonly #second: Float64Array;
  readonly #scratch: Float64Array;

  constructor(readonly dim: number) {
    let size = SKETCH_BITS;
    while (size < dim) size <<= 1;
    this.#size = size;
    this.#first = randomSigns(size, SEED);
    this.#second = randomSigns(size, SEED ^ 0x9e3779b9);
    this.#scratch = new Float64Array(size);
  }

  #finish(out: Uint32Array, offset: number): void {
    const x = this.#scratch;
    hadamard(x);
    for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * (this.#second[i] as number);
    hadamard(x);
    const stride = this.#size / SKETCH_BITS;
    for (let w = 0; w < SKETCH_WORDS; w++) {
      let word = 0;
      for (let b = 0; b < 32; b++) if ((x[(w * 32 + b) * stride] as number) > 0) word |= 1 << b;
      out[offset + w] = word >>> 0;
    }
  }

  /** Writes the sketch of an f16 vector (u16 bit patterns at `at`) into `out` at `offset`. */
  sketchF16(bits: Uint16Array, at: number, out: Uint32Array, offset: number): void {
    const x = this.#scratch;
    x.fill(0);
    for (let i = 0; i < this.dim; i++)
      x[i] = (F16_TABLE[bits[at + i] as number] as number) * (this.#first[i] as number);
    this.#finish(out, offset);
  }

  /** Writes the sketch of a decoded vector into `out` at `offset`. */
  sketchValues(values: Float64Array, out: Uint32Array, offset: number): void {
    const x = this.#scratch;
    x.fill(0);
    for (let i = 0; i < this.dim; i++) x[i] = (values[i] as number) * (this.#first[i] as number);
    this.#finish(out, offset);
  }
}

/** Set bits of every u16: two lookups count a u32 (~20% faster here than the bit trick in the scan loop). */
export const POPCOUNT16: Uint8Array = (() => {
  const table = new Uint8Array(65536);
  for (let i = 1; i < 65536; i++) table[i] = (table[i >>> 1] as number) + (i & 1);
  return table;
})();

/** Set bits of a u32. */
export function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}

/** How likely an entry at exactly the threshold is to be dropped by the prefilter (before slack). */
const MISS_PROBABILITY = 1e-5;
/** Extra bits of tolerance: the Hadamard directions are not exactly Gaussian. */
const SLACK_BITS = 2;

/**
 * The largest Hamming distance over the first `bits` bits of a sketch that a vector
 * at cosine ≥ `minSimilarity` to the query is let through with: the binomial tail at
 * angle acos(minSimilarity) beyond it is below {@link MISS_PROBABILITY}, plus
 * {@link SLACK_BITS}.
 */
export function hammingCutoff(minSimilarity: number, bits: number = SKETCH_BITS): number {
  const key = `${bits}:${minSimilarity}`;
  let cutoff = cutoffs.get(key);
  if (cutoff === undefined) {
    cutoff = computeCutoff(minSimilarity, bits);
    if (cutoffs.size < 4096) cutoffs.set(key, cutoff);
  }
  return cutoff;
}

/** Cutoffs already computed, by bits and threshold (a search usually uses the default). */
const cutoffs = new Map<string, number>();

function computeCutoff(minSimilarity: number, bits: number): number {
  const p = Math.acos(Math.max(-1, Math.min(1, minSimilarity))) / Math.PI;
  if (p <= 0) return SLACK_BITS;
  if (p >= 1) return bits;
  // P(X = h) for X ~ Bin(bits, p), summed from the top until the tail passes the bound.
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  let logChoose = 0; // log C(bits, 0)
  const terms: number[] = [];
  for (let h = 0; h <= bits; h++) {
    terms.push(Math.exp(logChoose + h * logP + (bits - h) * logQ));
    logChoose += Math.log((bits - h) / (h + 1));
  }
  let tail = 0;
  for (let h = bits; h >= 0; h--) {
    tail += terms[h] as number;
    if (tail > MISS_PROBABILITY) return Math.min(bits, h + SLACK_BITS);
  }
  return bits;
}
