import type { EntryFields } from "@reflex/codec";
import type { Id } from "./ids.ts";

/** How entries travel: the protobuf JSON mapping, or binary protobuf (`reflex.v1.*`). */
export type WireEncoding = "json" | "protobuf";

/** What a PUT sends; the tenant comes from the call. Missing numbers are 0, missing bytes empty. */
export interface EntryInput {
  /** Hash of the conversation context; u64. */
  readonly contextHash?: bigint;
  /** Unix seconds when cached; i64. */
  readonly timestamp?: bigint;
  /** Embedding, little-endian f16 (even length). */
  readonly embedding?: Uint8Array;
  /** The cached response. */
  readonly payloadBlob: Uint8Array;
}

/** An entry as the server answers it. */
export interface Entry extends EntryFields {
  /** Unix seconds when it expires; `0n`: never. */
  readonly expiresAt: bigint;
}

/** Options of a PUT. */
export interface PutOptions {
  /** Time to live in seconds (`0`: never), over the server's `--default-ttl`. */
  readonly ttlSeconds?: number;
  /** Body encoding; default the client's. */
  readonly encoding?: WireEncoding;
}

/** The answer of a PUT. */
export interface PutResult {
  readonly tenant: bigint;
  readonly id: bigint;
  /** True when no entry had this id (201), false when one was replaced (200). */
  readonly created: boolean;
  /**
   * Only when the server accepted the write with a weaker promise than its store's: `"master-only"`
   * (a Redis Cluster shard with no online replica stored it on its master alone, the server's
   * `--redis-when-replica-lost accept`; lost if that master dies before a new replica has synced).
   */
  readonly durability?: "master-only";
}

/** The answer of a touch. */
export interface TouchResult {
  readonly tenant: bigint;
  readonly id: bigint;
  /** The new expiry, unix seconds; `0n`: never. */
  readonly expiresAt: bigint;
}

/** A payload: its bytes and strong ETag, or (with `ifNoneMatch` equal to it) 304. */
export type PayloadResult =
  | { readonly status: 200; readonly bytes: Uint8Array; readonly etag: string; readonly expires: string | null }
  | { readonly status: 304; readonly etag: string };

/** One found entry of a batch-get. */
export interface BatchGetEntry {
  readonly id: bigint;
  /** The entry, with its `expiresAt` as GET entry gives it. */
  readonly entry: Entry;
}

/** An id of a batch-get whose stored entry is damaged (corrupt): it needs to be rewritten or deleted. */
export interface DamagedEntry {
  readonly id: bigint;
  /** The damage code (`checksum_mismatch`, `truncated`, ...), as GET's 500 `data_corrupted` names it. */
  readonly reason: string;
}

/**
 * The answer of a batch-get: the entries found, the ids that were not, and the ids whose
 * stored entry is damaged (a GET of one answers 500 `data_corrupted`; the batch answers the others).
 */
export interface BatchGetResult {
  readonly entries: BatchGetEntry[];
  readonly missing: bigint[];
  readonly damaged: DamagedEntry[];
}

/** One page of a listing: ids ascending (newest first for a context-hash lookup), `next` to pass as `after`. */
export interface ListPage {
  readonly ids: bigint[];
  readonly next: bigint | null;
}

/** A search query. */
export interface SearchQuery {
  /** Little-endian f16, the dimension of the entries to compare with. */
  readonly embedding: Uint8Array;
  /** At most this many hits (server default 1). */
  readonly k?: number;
  /** Cosine similarity threshold (server default 0.9). */
  readonly minSimilarity?: number;
  /** Compare every row instead of using the sketches first. */
  readonly exact?: boolean;
  /** `"entry"` returns each hit's entry too. Default `"ids"`. */
  readonly include?: "ids" | "entry";
  /** Only entries with this context hash (a u64) are candidates. Default: every entry of the tenant. */
  readonly contextHash?: Id;
  /** Request and answer encoding; default the client's. */
  readonly encoding?: WireEncoding;
}

/** One search hit, best first. */
export interface SearchHit {
  readonly id: bigint;
  readonly similarity: number;
  readonly timestamp: bigint;
  readonly contextHash: bigint;
  /** With `include: "entry"`. */
  readonly entry?: Entry;
}

/** A search's hits and `nearest`: the best similarity of any candidate, hit or not; null with none. */
export interface SearchResult {
  readonly hits: SearchHit[];
  readonly nearest: number | null;
}

/** `GET /v1/stats`: live figures, no scan. */
export interface StoreStats {
  readonly tenants: number;
  readonly entries: number;
  readonly bytes: number;
  readonly perTenant: { readonly tenant: bigint; readonly entries: number; readonly bytes: number }[];
  /** Per operation: count, errors by code, bytes, latency quantiles in seconds. */
  readonly operations: Record<string, unknown>;
  /** Retention bounds and counts (a file store; absent on some backends). */
  readonly retention?: {
    readonly bounds: {
      readonly defaultTtlSeconds: number;
      readonly maxBytes: number | null;
      readonly maxEntries: number | null;
      readonly tenantMaxBytes: number | null;
      readonly tenantMaxEntries: number | null;
    };
    readonly indexReady: boolean;
    readonly evictions: Record<string, number>;
    readonly expirations: number;
  };
}
