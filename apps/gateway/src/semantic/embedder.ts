import type { SemanticMetrics } from "../observe/semantic-metrics.ts";
import type { Caller } from "../tenancy/tenancy.ts";
import type { EmbeddingCache } from "./embedding-cache.ts";
import type { EmbeddingsClient } from "./embeddings-client.ts";
import { f16Vector } from "./f16-vector.ts";

/** Options of {@link Embedder}. */
export interface EmbedderOptions {
  readonly client: EmbeddingsClient;
  readonly cache: EmbeddingCache;
  readonly metrics: SemanticMetrics;
  /** The `Authorization` of a caller's embedding call (the caller's upstream one, or the embeddings server's key). */
  readonly authorization: (caller: Caller) => string | undefined;
  /** TTL of cached embeddings (the answers' default); undefined: the store's default. */
  readonly ttlSeconds: number | undefined;
  /** Told of every failed call (the error never holds the text); the request goes on exact-only. */
  readonly onFailure: (error: unknown) => void;
}

/**
 * The semantic text's embedding as the store keeps it (f16 LE bytes): from the gateway's
 * embedding cache (per tenant, see embedding-cache.ts), else one call of the embeddings
 * server, shared by identical texts of one tenant in flight and then cached. Never rejects:
 * a failed or timed-out call resolves to undefined (counted; the request is exact-only).
 *
 * @example const vector = await embedder.embed(caller, "what is the capital of France?");
 */
export class Embedder {
  readonly #options: EmbedderOptions;
  readonly #inFlight = new Map<string, Promise<Uint8Array | undefined>>();
  readonly #writes = new Set<Promise<unknown>>();

  constructor(options: EmbedderOptions) {
    this.#options = options;
  }

  /** The embedding model's name. */
  get model(): string {
    return this.#options.client.model;
  }

  /** The f16 embedding of `text` for `caller`'s tenant, or undefined when it could not be had. */
  embed(caller: Caller, text: string): Promise<Uint8Array | undefined> {
    const key = `${caller.tenant}\u0000${text}`;
    let pending = this.#inFlight.get(key);
    if (pending === undefined) {
      pending = this.#embed(caller, text).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    return pending;
  }

  /** Resolves once every embedding-cache write started so far has finished. */
  async settled(): Promise<void> {
    while (this.#writes.size > 0) await Promise.all([...this.#writes]);
  }

  async #embed(caller: Caller, text: string): Promise<Uint8Array | undefined> {
    const { cache, client, metrics } = this.#options;
    const cached = await cache.get(caller.tenant, client.model, text);
    metrics.embeddingCacheLookup(cached === undefined ? "miss" : "hit");
    if (cached !== undefined) return cached;
    const started = performance.now();
    let vector: Uint8Array;
    try {
      vector = f16Vector(await client.embed(text, this.#options.authorization(caller)));
    } catch (error) {
      this.#options.onFailure(error);
      return undefined;
    } finally {
      metrics.embeddingCall((performance.now() - started) * 1e6);
    }
    const write = cache.put(caller.tenant, client.model, text, vector, this.#options.ttlSeconds);
    this.#writes.add(write);
    write.finally(() => this.#writes.delete(write));
    return vector;
  }
}
