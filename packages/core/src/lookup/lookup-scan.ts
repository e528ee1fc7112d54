import type { IndexedEntry } from "./indexed-entry.ts";
import type { ScanQuery, SketchNearest } from "./scan-query.ts";
import { hammingCutoff, SKETCH_BITS, type Sketcher } from "./sketch.ts";
import type { Candidates } from "./tenant-lookup.ts";
import { type ScoredEntry, TopHits } from "./top-hits.ts";
import { VectorSet } from "./vector-set.ts";

/** From this Hamming cutoff on, the prefilter lets most rows through: scan them all instead. */
const PREFILTER_USELESS_AT = Math.floor(SKETCH_BITS * 0.42);

/** What one search asks of the index. */
export interface IndexQuery {
  /** Most hits. */
  readonly k: number;
  /** Least cosine of a hit. */
  readonly minSimilarity: number;
  /** Score every candidate instead of the rows the sketch prefilter lets through. */
  readonly exact: boolean;
  /** Only this context's entries; absent: every entry of the tenant. */
  readonly contextHash?: bigint;
}

/** The hits of one index search, best first, and the best similarity of any live candidate it scored. */
export interface IndexSearchResult {
  readonly hits: ScoredEntry[];
  /** Null when no live candidate was scored (none of the query's dimension, in scope). */
  readonly nearest: number | null;
}

/** The predicates of one search: `admit` for hits (may have side effects), `live` for `nearest` (none). */
export interface ScanFilters {
  readonly admit: (entry: IndexedEntry) => boolean;
  readonly live?: (entry: IndexedEntry) => boolean;
}

/**
 * Scans `candidates` (one context's set, or every context's set of the dimension) into one
 * {@link TopHits}. The prefilter is chosen by the rows of all of them together, so a tenant
 * spread over many small contexts is searched as one large set would be.
 *
 * The fast path is the first pass: rows are scored to the end only while they may reach the
 * threshold (or the k-th hit), so a search with a hit costs what it did before `nearest`
 * existed, and its nearest is its best hit. Only a search with no hit makes a second pass,
 * scoring rows while they may beat the nearest so far; with the prefilter on and no row let
 * through, the one row whose sketch is nearest is scored, so a miss always has a nearest.
 */
export function scanCandidates(
  candidates: Candidates,
  unit: Float64Array,
  query: IndexQuery,
  filters: ScanFilters,
  sketcher: Sketcher,
): IndexSearchResult {
  const top = new TopHits(query.k, query.minSimilarity);
  if (candidates.rows === 0) return { hits: top.hits, nearest: null };
  const cutoff = hammingCutoff(query.minSimilarity);
  let sketch: Uint32Array | null = null;
  if (!query.exact && VectorSet.prefilterPays(candidates.rows, unit.length) && cutoff < PREFILTER_USELESS_AT) {
    sketch = new Uint32Array(SKETCH_BITS / 32);
    sketcher.sketchValues(unit, sketch, 0);
  }
  const sets = [...candidates.sets];
  const scan: ScanQuery = {
    unit,
    tailNorms: (sets[0] as VectorSet).tailNormsOf(unit),
    sketch,
    halfCutoff: hammingCutoff(query.minSimilarity, SKETCH_BITS / 2),
    cutoff,
    admit: filters.admit,
    live: filters.live ?? everyRow, // every field set: one object shape in the hot loop
    seekNearest: false,
  };
  for (const set of sets) set.scan(scan, top);
  if (top.hits.length === 0) {
    const seek: ScanQuery = { ...scan, seekNearest: true };
    for (const set of sets) set.scan(seek, top);
    if (sketch !== null && top.nearest === Number.NEGATIVE_INFINITY) scoreClosest(sets, sketch, seek, top);
  }
  return { hits: top.hits, nearest: top.nearest === Number.NEGATIVE_INFINITY ? null : top.nearest };
}

function everyRow(): boolean {
  return true;
}

/** Scores the row whose sketch is nearest to the query's, across `sets`. */
function scoreClosest(sets: readonly VectorSet[], sketch: Uint32Array, query: ScanQuery, top: TopHits): void {
  let best: { set: VectorSet; at: SketchNearest } | null = null;
  for (const set of sets) {
    const at = set.closestBySketch(sketch);
    if (at !== null && (best === null || at.distance < best.at.distance)) best = { set, at };
  }
  if (best !== null) best.set.scoreSlot(best.at.slot, query, top);
}
