/** Bounds of the log (a checkpoint starts when `maxBytes` or `maxAgeMs` is passed) and of what it holds back. */
export interface WalLimits {
  /** Bytes of records in the current segment. */
  readonly maxBytes: number;
  /** Age of the oldest record not yet checkpointed, in ms. */
  readonly maxAgeMs: number;
  /** Envelope bytes acknowledged and not yet in place; a write over it waits for the placer. */
  readonly maxUnplacedBytes: number;
  /** How far ahead of its records a segment is grown (zeros, fsynced): commits then need no metadata. */
  readonly preallocateBytes: number;
}
