import { BaseCache } from "@langchain/core/caches";
import type { Generation } from "@langchain/core/outputs";
import type { Id, ReflexClient } from "@reflex/client";
import { cacheKey, llmContextHash } from "./cache-key.ts";
import { decodeCachedValue, encodeCachedValue } from "./cached-value.ts";

/** Options of a {@link ReflexCache}. */
export interface ReflexCacheOptions {
  /** The client of the Reflex server. */
  readonly client: ReflexClient;
  /** The tenant the entries are kept under (u64). */
  readonly tenant: Id;
  /** Time to live of each entry in seconds; omit for the server's `--default-ttl`, `0` for never. */
  readonly ttlSeconds?: number;
}

/**
 * A LangChain `BaseCache` on the Reflex store: exact matches of (prompt, llmString).
 * The entry id is {@link cacheKey} of the pair; the payload is JSON with the pair and the
 * generations, so a hash collision is a miss. Errors of the server propagate (a
 * `ReflexClientError`), as LangChain's own caches do.
 *
 * @example
 * const cache = new ReflexCache({ client: new ReflexClient({ baseUrl }), tenant: 1n, ttlSeconds: 86_400 });
 * const model = new ChatOpenAI({ model: "gpt-4o-mini", cache });
 */
export class ReflexCache extends BaseCache<Generation[]> {
  readonly #options: ReflexCacheOptions;

  constructor(options: ReflexCacheOptions) {
    super();
    this.#options = options;
  }

  /** The cached generations of (prompt, llmString), or null. */
  async lookup(prompt: string, llmString: string): Promise<Generation[] | null> {
    const entry = await this.#options.client.get(this.#options.tenant, cacheKey(prompt, llmString));
    if (entry === null) return null;
    return decodeCachedValue(entry.payloadBlob, prompt, llmString);
  }

  /** Stores `generations` for (prompt, llmString), replacing what was there. */
  async update(prompt: string, llmString: string, generations: Generation[]): Promise<void> {
    const { client, tenant, ttlSeconds } = this.#options;
    await client.put(
      tenant,
      cacheKey(prompt, llmString),
      {
        contextHash: llmContextHash(llmString),
        timestamp: BigInt(Math.floor(Date.now() / 1000)),
        payloadBlob: encodeCachedValue(prompt, llmString, generations),
      },
      ttlSeconds === undefined ? {} : { ttlSeconds },
    );
  }
}
