import { BaseCache } from "@langchain/core/caches";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import type { Generation } from "@langchain/core/outputs";
import type { Id, ReflexClient } from "@reflex/client";
import { cacheKey, llmContextHash } from "./cache-key.ts";
import { decodeCachedValue, encodeCachedValue } from "./cached-value.ts";
import { encodeF16 } from "./f16.ts";

/** Options of a {@link ReflexSemanticCache}. */
export interface ReflexSemanticCacheOptions {
  /** The client of the Reflex server. */
  readonly client: ReflexClient;
  /** The tenant the entries are kept under (u64). */
  readonly tenant: Id;
  /** Embeds prompts (`embedQuery`); its dimension must stay the same for a tenant. */
  readonly embeddings: EmbeddingsInterface;
  /** Cosine similarity a stored prompt needs to answer. Default 0.95. */
  readonly minSimilarity?: number;
  /**
   * Hits examined per lookup. The search is scoped to the llmString's context hash, so the
   * first hit is of the same llmString unless two llmStrings share a 64-bit hash (each hit's
   * stored llmString is still compared). Default 1.
   */
  readonly k?: number;
  /** Time to live of each entry in seconds; omit for the server's `--default-ttl`, `0` for never. */
  readonly ttlSeconds?: number;
}

/**
 * A LangChain `BaseCache` that answers a prompt with the generations of a similar one:
 * the prompt's embedding (f16) is stored as the entry's embedding, its context hash is the
 * llmString's ({@link llmContextHash}), and a lookup is the server's search within that
 * context hash with `minSimilarity`: other models' and settings' prompts are never
 * candidates, however many and however close.
 * Entries are written under {@link cacheKey}, so the same prompt again replaces its entry.
 *
 * @example
 * const cache = new ReflexSemanticCache({ client, tenant: 1n, embeddings: new OpenAIEmbeddings(), minSimilarity: 0.95 });
 */
export class ReflexSemanticCache extends BaseCache<Generation[]> {
  readonly #options: ReflexSemanticCacheOptions;

  constructor(options: ReflexSemanticCacheOptions) {
    super();
    this.#options = options;
  }

  async #embed(prompt: string): Promise<Uint8Array> {
    return encodeF16(await this.#options.embeddings.embedQuery(prompt));
  }

  /** The generations of the most similar stored prompt of this llmString (searched within its context hash), or null. */
  async lookup(prompt: string, llmString: string): Promise<Generation[] | null> {
    const { client, tenant, minSimilarity = 0.95, k = 1 } = this.#options;
    const hits = await client.search(tenant, {
      embedding: await this.#embed(prompt),
      k,
      minSimilarity,
      include: "entry",
      contextHash: llmContextHash(llmString),
    });
    for (const hit of hits) {
      if (hit.entry === undefined) continue;
      const generations = decodeCachedValue(hit.entry.payloadBlob, undefined, llmString);
      if (generations !== null) return generations;
    }
    return null;
  }

  /** Stores `generations` for the prompt, with its embedding. */
  async update(prompt: string, llmString: string, generations: Generation[]): Promise<void> {
    const { client, tenant, ttlSeconds } = this.#options;
    await client.put(
      tenant,
      cacheKey(prompt, llmString),
      {
        contextHash: llmContextHash(llmString),
        timestamp: BigInt(Math.floor(Date.now() / 1000)),
        embedding: await this.#embed(prompt),
        payloadBlob: encodeCachedValue(prompt, llmString, generations),
      },
      ttlSeconds === undefined ? {} : { ttlSeconds },
    );
  }
}
