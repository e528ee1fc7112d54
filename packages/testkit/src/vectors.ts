// Vectors for the lookup tests and the search benchmark: f16 encoding, seeded random
// directions, and a query at a chosen cosine to a stored vector.
import { SeededRandom } from "./random.ts";

/** Little-endian f16 bytes of `values`. */
export function f16Bytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat16(i * 2, values[i] as number, true);
  return bytes;
}

/** The f16 values of little-endian bytes. */
export function f16Values(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.byteLength / 2 }, (_, i) => view.getFloat16(i * 2, true));
}

/** Cosine of two vectors, in f64. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

/** A seeded source of gaussian vectors (the suites' SeededRandom + Box-Muller). */
export class VectorSource {
  readonly #random: SeededRandom;

  /** Starts the sequence of `seed`. */
  constructor(seed: number) {
    this.#random = new SeededRandom(seed);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.#random.float();
  }

  /** Standard normal. */
  gaussian(): number {
    return Math.sqrt(-2 * Math.log(1 - this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** A random direction in `dim` dimensions (unit length). */
  direction(dim: number): Float64Array {
    const v = Float64Array.from({ length: dim }, () => this.gaussian());
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  }

  /** A unit vector at cosine `similarity` to `base` (any length), in a random direction. */
  near(base: ArrayLike<number>, similarity: number): Float64Array {
    const dim = base.length;
    const b = Float64Array.from(base);
    const bn = Math.hypot(...b);
    for (let i = 0; i < dim; i++) b[i] = (b[i] as number) / bn;
    const noise = this.direction(dim);
    let along = 0;
    for (let i = 0; i < dim; i++) along += (noise[i] as number) * (b[i] as number);
    for (let i = 0; i < dim; i++) noise[i] = (noise[i] as number) - along * (b[i] as number);
    const nn = Math.hypot(...noise);
    const side = Math.sqrt(1 - similarity * similarity);
    return b.map((x, i) => similarity * x + (side * (noise[i] as number)) / nn);
  }
}
