/**
 * Vectors for the search scenario: uniform random directions, or clustered ones
 * (members of random centroids), stored as f16; near-duplicate queries (a stored
 * vector plus noise, cosine 0.9 to 0.95); and the flat f32 copy the brute-force
 * scan and usearch read. The seeded vectors come from testkit's VectorSource.
 */
import { f16Bytes, f16Values, VectorSource } from "@reflex/testkit";

/** The shapes of data measured. */
export type Dataset = "uniform" | "clustered";

/** Member noise of a clustered vector: member-centroid cosine ~0.78, member-member ~0.6. */
const CLUSTER_NOISE = 0.8;

/** `count` vectors of `dim` as f16 bytes. Clustered: `count / 100` centroids, members round-robin. */
export function makeVectors(dataset: Dataset, count: number, dim: number, seed = 1): Uint8Array[] {
  const random = new VectorSource(seed);
  const centroids =
    dataset === "clustered"
      ? Array.from({ length: Math.max(1, Math.floor(count / 100)) }, () =>
          Float64Array.from({ length: dim }, () => random.gaussian()),
        )
      : [];
  const out: Uint8Array[] = [];
  const v = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    const centroid = centroids[i % Math.max(1, centroids.length)];
    for (let j = 0; j < dim; j++) {
      v[j] = centroid === undefined ? random.gaussian() : (centroid[j] as number) + random.gaussian() * CLUSTER_NOISE;
    }
    out.push(f16Bytes(v));
  }
  return out;
}

function norm(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i] as number) ** 2;
  return Math.sqrt(sum);
}

/** Every vector decoded from f16 and scaled to unit length, back to back (what a brute-force scan reads). */
export function flatUnit(vectors: readonly Uint8Array[], dim: number): Float32Array {
  const flat = new Float32Array(vectors.length * dim);
  for (const [i, bytes] of vectors.entries()) {
    const values = f16Values(bytes);
    const length = norm(values);
    for (let j = 0; j < dim; j++) flat[i * dim + j] = (values[j] as number) / length;
  }
  return flat;
}

/** A query at cosine `similarity` to `base` (f16 bytes), as f16 bytes. */
export function nearDuplicate(base: Uint8Array, similarity: number, random: VectorSource): Uint8Array {
  return f16Bytes(random.near(f16Values(base), similarity));
}

/** The brute-force scan a TS developer would write: top-1 cosine over unit f32 rows (4 sums at a time). */
export function bruteForceTop1(
  flat: Float32Array,
  dim: number,
  unitQuery: Float32Array,
): { row: number; similarity: number } {
  let best = Number.NEGATIVE_INFINITY;
  let row = -1;
  const rows = flat.length / dim;
  for (let r = 0, o = 0; r < rows; r++, o += dim) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < dim; j += 4) {
      s0 += (flat[o + j] as number) * (unitQuery[j] as number);
      s1 += (flat[o + j + 1] as number) * (unitQuery[j + 1] as number);
      s2 += (flat[o + j + 2] as number) * (unitQuery[j + 2] as number);
      s3 += (flat[o + j + 3] as number) * (unitQuery[j + 3] as number);
    }
    const s = s0 + s1 + s2 + s3;
    if (s > best) {
      best = s;
      row = r;
    }
  }
  return { row, similarity: best };
}
