import type { EntryStore } from "@reflex/core";
import { hash64 } from "../canonical/hash64.ts";

/**
 * The context hash of the gateway's embedding-cache entries: one reserved value, so they are
 * never a chat or embeddings request's context. Their `embedding` field stays empty, so they
 * are never a search candidate either.
 */
export const EMBEDDING_CACHE_CONTEXT = hash64("reflex gateway: embedding cache v1");

const encoder = new TextEncoder();
const MAGIC = [0x52, 0x58, 0x56] as const; // "RXV"
const VERSION = 1;
const HEADER_BYTES = 12;

/**
 * The gateway's own embeddings, kept in the store so that the same text under the same
 * model is embedded once (a paraphrase asked in another context, a retried request, a
 * restart). Each is an entry of the caller's tenant, so one tenant's texts and vectors are
 * never readable by another:
 *
 * ```
 * entry id     = hash64("reflex-embedding\0" + model + "\0" + text)
 * context_hash = EMBEDDING_CACHE_CONTEXT, embedding = empty
 * payload      = "RXV" u8 version, u32 LE model bytes m, u32 LE text bytes t, model, text, f16 LE vector
 * ```
 *
 * A read compares model and text byte for byte (a 64-bit collision is a miss). Failures of
 * the store are misses and dropped writes, never errors.
 *
 * @example
 * const cache = new EmbeddingCache(store);
 * await cache.put(7n, "m", "hello", f16Vector([0.1, 0.2]), undefined);
 * await cache.get(7n, "m", "hello"); // the f16 bytes
 */
export class EmbeddingCache {
  readonly #store: EntryStore;

  constructor(store: EntryStore) {
    this.#store = store;
  }

  /** The f16 vector stored for `text` under `model` in `tenant`, or undefined. */
  async get(tenant: bigint, model: string, text: string): Promise<Uint8Array | undefined> {
    let handle: Awaited<ReturnType<EntryStore["load"]>>;
    try {
      handle = await this.#store.load(embeddingEntryId(model, text), tenant);
    } catch {
      return undefined; // not found, or a store failure: either way the text is embedded again
    }
    try {
      return decode(handle.payloadBlob, encoder.encode(model), encoder.encode(text));
    } finally {
      handle.release();
    }
  }

  /** Stores `vector` (f16 bytes) for `text` under `model` in `tenant`; false when the store refused it. */
  async put(
    tenant: bigint,
    model: string,
    text: string,
    vector: Uint8Array,
    ttlSeconds: number | undefined,
  ): Promise<boolean> {
    const modelBytes = encoder.encode(model);
    const textBytes = encoder.encode(text);
    const payload = new Uint8Array(HEADER_BYTES + modelBytes.byteLength + textBytes.byteLength + vector.byteLength);
    const view = new DataView(payload.buffer);
    payload.set(MAGIC, 0);
    payload[3] = VERSION;
    view.setUint32(4, modelBytes.byteLength, true);
    view.setUint32(8, textBytes.byteLength, true);
    payload.set(modelBytes, HEADER_BYTES);
    payload.set(textBytes, HEADER_BYTES + modelBytes.byteLength);
    payload.set(vector, HEADER_BYTES + modelBytes.byteLength + textBytes.byteLength);
    try {
      await this.#store.store(
        embeddingEntryId(model, text),
        {
          tenantId: tenant,
          contextHash: EMBEDDING_CACHE_CONTEXT,
          timestamp: BigInt(Math.floor(Date.now() / 1000)),
          embedding: new Uint8Array(0),
          payloadBlob: payload,
        },
        { durability: "atomic", ...(ttlSeconds === undefined ? {} : { ttlSeconds }) },
      );
      return true;
    } catch {
      return false;
    }
  }
}

/** The entry id of a cached embedding. */
export function embeddingEntryId(model: string, text: string): bigint {
  return hash64(`reflex-embedding\u0000${model}\u0000${text}`);
}

function decode(payload: Uint8Array, model: Uint8Array, text: Uint8Array): Uint8Array | undefined {
  if (payload.byteLength < HEADER_BYTES) return undefined;
  if (payload[0] !== MAGIC[0] || payload[1] !== MAGIC[1] || payload[2] !== MAGIC[2] || payload[3] !== VERSION) {
    return undefined;
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const m = view.getUint32(4, true);
  const t = view.getUint32(8, true);
  const vectorStart = HEADER_BYTES + m + t;
  if (m !== model.byteLength || t !== text.byteLength || vectorStart > payload.byteLength) return undefined;
  if (Buffer.compare(payload.subarray(HEADER_BYTES, HEADER_BYTES + m), model) !== 0) return undefined;
  if (Buffer.compare(payload.subarray(HEADER_BYTES + m, vectorStart), text) !== 0) return undefined;
  const vector = payload.slice(vectorStart);
  return vector.byteLength === 0 || vector.byteLength % 2 !== 0 ? undefined : vector;
}
