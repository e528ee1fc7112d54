import type { Flight } from "../cache/flight.ts";

/** A semantic miss in flight: its embedding (decoded, unit length), its upstream call, the entry its answer becomes. */
interface Leader {
  readonly unit: Float64Array;
  readonly flight: Flight;
  readonly entryId: bigint;
}

/** The in-flight call a paraphrase joins, and how close it is. */
export interface ParaphraseJoin {
  readonly flight: Flight;
  /** The entry the leader's answer is stored as. */
  readonly entryId: bigint;
  readonly similarity: number;
}

/**
 * Semantic misses in flight, per tenant and context hash: a request that misses the exact and
 * semantic tiers while a paraphrase of it (same tenant, same context, similarity at or above
 * the request's threshold) is on its way upstream shares that call instead of making its own,
 * the way identical requests share one (cache/single-flight.ts). A leader is registered from
 * the start of its upstream call until its answer is stored or dropped. Few calls are in flight
 * per context at once, so a lookup compares with each.
 *
 * @example
 * const forget = flights.lead(tenant, context, embedding, flight, entryId);
 * flights.find(tenant, context, otherEmbedding, 0.95); // { flight, entryId, similarity } or undefined
 * forget();
 */
export class ParaphraseFlights {
  readonly #byScope = new Map<string, Set<Leader>>();

  /** Registers a miss in flight; returns what removes it (call it once the flight is done). */
  lead(tenant: bigint, context: bigint, embedding: Uint8Array, flight: Flight, entryId: bigint): () => void {
    const scope = `${tenant}:${context}`;
    let leaders = this.#byScope.get(scope);
    if (leaders === undefined) {
      leaders = new Set();
      this.#byScope.set(scope, leaders);
    }
    const leader: Leader = { unit: unitOf(embedding), flight, entryId };
    leaders.add(leader);
    return () => {
      leaders.delete(leader);
      if (leaders.size === 0 && this.#byScope.get(scope) === leaders) this.#byScope.delete(scope);
    };
  }

  /** The most similar miss in flight in the tenant and context at or above `minSimilarity`, or undefined. */
  find(tenant: bigint, context: bigint, embedding: Uint8Array, minSimilarity: number): ParaphraseJoin | undefined {
    const leaders = this.#byScope.get(`${tenant}:${context}`);
    if (leaders === undefined) return undefined;
    const unit = unitOf(embedding);
    let best: ParaphraseJoin | undefined;
    for (const leader of leaders) {
      if (leader.unit.length !== unit.length) continue;
      let similarity = 0;
      for (let i = 0; i < unit.length; i++) similarity += (unit[i] as number) * (leader.unit[i] as number);
      if (similarity >= minSimilarity && (best === undefined || similarity > best.similarity)) {
        best = { flight: leader.flight, entryId: leader.entryId, similarity: Math.min(1, similarity) };
      }
    }
    return best;
  }

  /** Contexts with a miss in flight. */
  get scopes(): number {
    return this.#byScope.size;
  }
}

/** An f16 LE vector decoded and scaled to unit length (all zeros stay zeros: similar to nothing). */
function unitOf(bytes: Uint8Array): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float64Array(bytes.byteLength >>> 1);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const value = view.getFloat16(i * 2, true);
    values[i] = value;
    sum += value * value;
  }
  const norm = Math.sqrt(sum);
  if (norm > 0 && Number.isFinite(norm))
    for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) / norm;
  else values.fill(0);
  return values;
}
