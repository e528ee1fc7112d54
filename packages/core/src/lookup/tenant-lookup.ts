// The layout of one tenant in the lookup index:
//
//   TenantLookup
//   ├── entries   entry id -> IndexedEntry                    (every entry, searchable or not)
//   ├── contexts  context hash -> ContextLookup
//   │               ├── entries  the entries of that context  (findByContext)
//   │               └── sets     dimension -> VectorSet       (a scoped search scans one)
//   └── byDim     dimension -> every context's set of it, and their rows (an unscoped search scans all)
import type { IndexedEntry } from "./indexed-entry.ts";
import type { Sketcher } from "./sketch.ts";
import { VectorSet } from "./vector-set.ts";

/**
 * Estimated bytes of one vector set beside its rows: the object, its first block's arrays
 * and headers, and its slots in two maps. Charged to the index's bound while the set exists.
 */
export const SET_BYTES = 512;

/** One context hash of one tenant: its entries, and per dimension the set of their vectors. */
export class ContextLookup {
  readonly entries = new Set<IndexedEntry>();
  readonly sets = new Map<number, VectorSet>();
}

/** Every context's vector set of one dimension, and how many rows they hold together. */
export class DimensionSets {
  readonly sets = new Set<VectorSet>();
  rows = 0;
}

/** The candidates of one search: the sets to scan and their rows together. */
export interface Candidates {
  readonly sets: Iterable<VectorSet>;
  readonly rows: number;
}

const NO_CANDIDATES: Candidates = { sets: [], rows: 0 };

/** One tenant of the index (see the layout above); the index owns the byte counts. */
export class TenantLookup {
  readonly entries = new Map<bigint, IndexedEntry>();
  readonly contexts = new Map<bigint, ContextLookup>();
  readonly byDim = new Map<number, DimensionSets>();

  /** True when adding a vector of `dim` to `contextHash` would make a new set (and cost {@link SET_BYTES}). */
  needsSet(contextHash: bigint, dim: number): boolean {
    return this.contexts.get(contextHash)?.sets.has(dim) !== true;
  }

  /**
   * Adds `entry` (its `dim` > 0 with `bits` and `sums` for its vector, 0 without); returns
   * the set that took its vector, or null.
   */
  add(
    entry: IndexedEntry,
    bits: Uint16Array,
    sums: Float64Array | null,
    sketcherOf: (dim: number) => Sketcher,
    deferSketch: boolean,
  ): VectorSet | null {
    this.entries.set(entry.entryId, entry);
    let context = this.contexts.get(entry.contextHash);
    if (context === undefined) {
      context = new ContextLookup();
      this.contexts.set(entry.contextHash, context);
    }
    context.entries.add(entry);
    if (entry.dim === 0 || sums === null) return null;
    let set = context.sets.get(entry.dim);
    let sameDim = this.byDim.get(entry.dim);
    if (sameDim === undefined) {
      sameDim = new DimensionSets();
      this.byDim.set(entry.dim, sameDim);
    }
    if (set === undefined) {
      set = new VectorSet(entry.dim, sketcherOf(entry.dim));
      context.sets.set(entry.dim, set);
      sameDim.sets.add(set);
    }
    set.add(entry, bits, sums, deferSketch);
    sameDim.rows++;
    return set;
  }

  /** Removes `entry` (held by this tenant); true when that emptied and dropped a vector set. */
  remove(entry: IndexedEntry): boolean {
    this.entries.delete(entry.entryId);
    const context = this.contexts.get(entry.contextHash);
    if (context === undefined) return false;
    context.entries.delete(entry);
    let droppedSet = false;
    const set = entry.dim > 0 ? context.sets.get(entry.dim) : undefined;
    if (set !== undefined) {
      set.remove(entry);
      const sameDim = this.byDim.get(entry.dim) as DimensionSets;
      sameDim.rows--;
      if (set.size === 0) {
        context.sets.delete(entry.dim);
        sameDim.sets.delete(set);
        if (sameDim.sets.size === 0) this.byDim.delete(entry.dim);
        droppedSet = true;
      }
    }
    if (context.entries.size === 0) this.contexts.delete(entry.contextHash);
    return droppedSet;
  }

  /** The sets a search of dimension `dim` scans: one context's, or (null) every context's. */
  candidates(dim: number, contextHash: bigint | null): Candidates {
    if (contextHash === null) return this.byDim.get(dim) ?? NO_CANDIDATES;
    const set = this.contexts.get(contextHash)?.sets.get(dim);
    return set === undefined ? NO_CANDIDATES : { sets: [set], rows: set.size };
  }
}
