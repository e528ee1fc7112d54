import type { IndexedEntry } from "./indexed-entry.ts";

/** What a scan of one vector set needs besides the query. */
export interface ScanQuery {
  /** The query at unit length. */
  readonly unit: Float64Array;
  /** |unit[checkpoint:]| per checkpoint of the set. */
  readonly tailNorms: Float64Array;
  /** The query's sketch, or null for an exact scan of every row. */
  readonly sketch: Uint32Array | null;
  /** Largest Hamming distance over the first half of the sketch let through (the cheap first stage). */
  readonly halfCutoff: number;
  /** Largest Hamming distance over the whole sketch let through. */
  readonly cutoff: number;
  /** False for rows a load would refuse (expired): they are skipped. */
  readonly admit: (entry: IndexedEntry) => boolean;
  /**
   * Whether a row may count for `top.nearest` (a load would return it); no side effects,
   * called only for a row that beats the nearest so far. Default: every row.
   */
  readonly live?: (entry: IndexedEntry) => boolean;
  /**
   * The second pass of a search that found no hit: score rows to the end while they may beat
   * `top.nearest` (not only the threshold), and offer none. Default false.
   */
  readonly seekNearest?: boolean;
}

/** Where the sketch of one set puts the row nearest to a query: its slot and Hamming distance. */
export interface SketchNearest {
  readonly slot: number;
  readonly distance: number;
}
