/**
 * What the lookup index keeps of one entry: the fields a hit reports, the expiry a
 * load checks, and where its vector sits when it is searchable.
 */
export interface IndexedEntry {
  readonly entryId: bigint;
  readonly contextHash: bigint;
  readonly timestamp: bigint;
  /** Unix seconds after which a load refuses it; 0 never. */
  readonly expiresAt: bigint;
  /** Dimension of its vector set; 0 when it is not searchable (empty, all zeros, NaN or infinity). */
  readonly dim: number;
  /** Its row in the tenant's vector set of that dimension (kept current as rows move). */
  slot: number;
}
