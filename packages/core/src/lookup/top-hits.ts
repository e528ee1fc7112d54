import type { IndexedEntry } from "./indexed-entry.ts";

/** One candidate that passed the threshold. */
export interface ScoredEntry {
  readonly entry: IndexedEntry;
  readonly similarity: number;
}

/** True when `a` ranks before `b`: more similar, then newer, then the smaller id. */
export function ranksBefore(a: ScoredEntry, b: ScoredEntry): boolean {
  if (a.similarity !== b.similarity) return a.similarity > b.similarity;
  if (a.entry.timestamp !== b.entry.timestamp) return a.entry.timestamp > b.entry.timestamp;
  return a.entry.entryId < b.entry.entryId;
}

/**
 * The best `k` candidates seen so far, best first (k is at most 100: insertion into a sorted array),
 * and the best similarity of any live candidate scored, hit or not ({@link nearest}).
 */
export class TopHits {
  readonly hits: ScoredEntry[] = [];
  /** Best similarity of a live candidate scored to the end, threshold or not; -Infinity before the first. */
  nearest = Number.NEGATIVE_INFINITY;

  constructor(
    readonly k: number,
    readonly minSimilarity: number,
  ) {}

  /** The similarity a candidate must reach to be kept: the threshold, or the k-th best once there are k. */
  get floor(): number {
    return this.hits.length < this.k ? this.minSimilarity : (this.hits[this.k - 1] as ScoredEntry).similarity;
  }

  /** Offers a candidate at or above the threshold; keeps it if it ranks among the best k. */
  offer(candidate: ScoredEntry): void {
    const hits = this.hits;
    if (hits.length === this.k && !ranksBefore(candidate, hits[this.k - 1] as ScoredEntry)) return;
    let at = hits.length;
    while (at > 0 && ranksBefore(candidate, hits[at - 1] as ScoredEntry)) at--;
    hits.splice(at, 0, candidate);
    if (hits.length > this.k) hits.pop();
  }
}
