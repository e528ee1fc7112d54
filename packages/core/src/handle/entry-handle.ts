import { type EntryFields, envelopeBody } from "@reflex/codec";
import { StoreError } from "../contract/store-error.ts";
import type { LoadedFile } from "./loaded-file.ts";

/**
 * A loaded entry. Its `embedding` and `payloadBlob` are zero-copy views of the
 * entry file's bytes (a private read-only-by-convention mapping for large files,
 * a heap buffer for small ones): do not write into them.
 *
 * The views stay valid until `release()`; after it every accessor throws a
 * `released` error, and once no handle or cache slot refers to a mapping it is
 * unmapped at once. A handle that is never released is freed by the GC: keeping
 * one costs the file's size (heap or mapping) plus one mapping slot for large files.
 */
export class EntryHandle implements EntryFields {
  #file: LoadedFile | null;

  constructor(file: LoadedFile) {
    this.#file = file.retain();
  }

  #live(): LoadedFile {
    if (this.#file === null) throw new StoreError("released", "entry handle used after release()");
    return this.#file;
  }

  /** Owner tenant. */
  get tenantId(): bigint {
    return this.#live().tenantId;
  }

  /** Entry id within the tenant. */
  get entryId(): bigint {
    return this.#live().entryId;
  }

  /** Hash of the conversation context. */
  get contextHash(): bigint {
    return this.#live().entry.contextHash;
  }

  /** Unix seconds when cached. */
  get timestamp(): bigint {
    return this.#live().entry.timestamp;
  }

  /** Embedding (little-endian f16), a zero-copy view valid until `release()`. */
  get embedding(): Uint8Array {
    return this.#live().entry.embedding;
  }

  /** Payload, a zero-copy view valid until `release()`. */
  get payloadBlob(): Uint8Array {
    return this.#live().entry.payloadBlob;
  }

  /** Unix seconds after which the entry is gone (a miss); 0 when it never expires. */
  get expiresAt(): bigint {
    return this.#live().expiresAt;
  }

  /**
   * 64-bit wyhash (`Bun.hash.wyhash`) of the payload: computed once per loaded file and
   * shared by every handle of it (a validator such as an HTTP ETag costs no hashing on a
   * cache hit).
   */
  get payloadDigest(): bigint {
    return this.#live().payloadDigest;
  }

  /**
   * The entry's protobuf `reflex.v1.CacheEntry` bytes as stored in the file (after the
   * envelope header): a zero-copy view, valid until `release()`, verified by the load.
   */
  get protobufBytes(): Uint8Array {
    return envelopeBody(this.#live().bytes);
  }

  /** Size of the entry file in bytes (header + body). */
  get fileBytes(): number {
    return this.#live().bytes.byteLength;
  }

  /** True when the views are backed by a mapping of the file rather than a heap buffer. */
  get mapped(): boolean {
    return this.#live().mapped;
  }

  /** True once `release()` was called. */
  get released(): boolean {
    return this.#file === null;
  }

  /** A plain copy of the entry that outlives the handle. */
  toEntry(): EntryFields {
    const file = this.#live();
    return {
      tenantId: file.tenantId,
      contextHash: file.entry.contextHash,
      timestamp: file.entry.timestamp,
      embedding: file.entry.embedding.slice(),
      payloadBlob: file.entry.payloadBlob.slice(),
    };
  }

  /** Gives the views back. Idempotent. */
  release(): void {
    const file = this.#file;
    if (file === null) return;
    this.#file = null;
    file.drop();
  }
}

/**
 * A weaker promise than the write asked for, which a backend accepted the write with rather
 * than refuse it (reported on `StoredEntryHandle.weakerDurability`):
 * `"master-only"`: a Redis Cluster shard with no online replica applied it on its master
 * alone (the operator chose to accept, `whenReplicaLost: "accept"`); it is lost if that master
 * dies before a new replica has synced.
 */
export type WeakerDurability = "master-only";

/**
 * A handle returned by `store`: also says whether the entry is new or replaced one, and
 * whether the write was accepted with a weaker durability than asked.
 */
export class StoredEntryHandle extends EntryHandle {
  constructor(
    file: LoadedFile,
    /** True when no entry with this id existed just before the write. */
    readonly created: boolean,
    /**
     * Set when the backend accepted the write with a weaker promise than the durability asked
     * for (see `WeakerDurability`); undefined when the asked promise holds.
     */
    readonly weakerDurability?: WeakerDurability,
  ) {
    super(file);
  }
}
