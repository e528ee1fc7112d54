/**
 * The fields of one cache entry, as DESIGN.md defines them.
 *
 * The generated `CacheEntry` message satisfies this shape; a plain object does too.
 * When it comes from a decode, `embedding` and `payloadBlob` are views into the
 * decoded bytes, not copies.
 */
export interface EntryFields {
  /** Owner of the entry; u64. */
  readonly tenantId: bigint;
  /** Hash of the conversation context; u64. */
  readonly contextHash: bigint;
  /** Unix seconds when cached; i64. */
  readonly timestamp: bigint;
  /** Embedding vector, little-endian f16. */
  readonly embedding: Uint8Array;
  /** Encoded response payload. */
  readonly payloadBlob: Uint8Array;
}
