import { type EntryStore, isStoreError } from "@reflex/core";
import type { CanonicalRequest } from "../canonical/canonical-request.ts";
import { type CachedAnswer, decodeCachedAnswer, encodeCachedAnswer } from "./cached-answer.ts";

/** An answer found in the exact tier. */
export interface ExactHit {
  /** The entry id (the request's key). */
  readonly entryId: bigint;
  readonly answer: CachedAnswer;
  /** Seconds since the answer was stored (the `Age` header). */
  readonly ageSeconds: number;
}

/** What to store: an answer under its request, in its tenant. */
export interface ExactWrite {
  readonly tenant: bigint;
  readonly canonical: CanonicalRequest;
  readonly contextHash: bigint;
  /** The semantic text's embedding (f16 LE), so paraphrases find this answer; undefined: none. */
  readonly embedding?: Uint8Array | undefined;
  readonly answer: CachedAnswer;
  /** Time to live in seconds (0: never expires); undefined: the store's default. */
  readonly ttlSeconds: number | undefined;
}

/** Options of {@link ExactCache}. */
export interface ExactCacheOptions {
  /** Called with every store failure of a lookup or a write (counted in metrics, logged); never thrown. */
  readonly onStoreError: (error: unknown, operation: "lookup" | "store") => void;
  /** Clock in unix seconds (tests). Default: `Date.now()`. */
  readonly nowSeconds?: () => number;
}

/**
 * The exact tier (L1) over an `EntryStore`: entry id = the request's 64-bit key, tenant_id =
 * the caller's tenant, the payload = the full canonical request and the answer
 * (cached-answer.ts). A lookup compares the stored canonical request with the new one byte
 * for byte, so a key collision is a miss. The cache fails open: a store error on a lookup is
 * a miss and on a write is dropped, each reported to `onStoreError`; a write never rejects.
 *
 * @example
 * const cache = new ExactCache(store, { onStoreError: (e) => metrics.storeError() });
 * const hit = await cache.lookup(tenant, canonical);
 */
export class ExactCache {
  readonly #store: EntryStore;
  readonly #onStoreError: ExactCacheOptions["onStoreError"];
  readonly #now: () => number;
  readonly #pending = new Set<Promise<boolean>>();

  constructor(store: EntryStore, options: ExactCacheOptions) {
    this.#store = store;
    this.#onStoreError = options.onStoreError;
    this.#now = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  }

  /** The answer stored for `canonical` in `tenant`, or undefined (a miss). */
  async lookup(tenant: bigint, canonical: CanonicalRequest): Promise<ExactHit | undefined> {
    let handle: Awaited<ReturnType<EntryStore["load"]>>;
    try {
      handle = await this.#store.load(canonical.key, tenant);
    } catch (error) {
      if (!isStoreError(error, "not_found")) this.#onStoreError(error, "lookup");
      return undefined;
    }
    try {
      const answer = decodeCachedAnswer(handle.payloadBlob, canonical.bytes);
      if (answer === undefined) return undefined;
      const ageSeconds = Math.max(0, this.#now() - Number(handle.timestamp));
      return { entryId: canonical.key, answer, ageSeconds };
    } finally {
      handle.release();
    }
  }

  /**
   * Stores `write` (atomic durability: a crash may lose a recent answer, never tear one).
   * Resolves to true once stored, false when the store refused it; never rejects.
   */
  store(write: ExactWrite): Promise<boolean> {
    const done = this.#write(write);
    this.#pending.add(done);
    done.finally(() => this.#pending.delete(done));
    return done;
  }

  /** Resolves once every write started so far has finished (shutdown, tests). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  async #write(write: ExactWrite): Promise<boolean> {
    try {
      await this.#store.store(
        write.canonical.key,
        {
          tenantId: write.tenant,
          contextHash: write.contextHash,
          timestamp: BigInt(this.#now()),
          embedding: write.embedding ?? new Uint8Array(0),
          payloadBlob: encodeCachedAnswer(write.canonical.bytes, write.answer),
        },
        { durability: "atomic", ...(write.ttlSeconds === undefined ? {} : { ttlSeconds: write.ttlSeconds }) },
      );
      return true;
    } catch (error) {
      this.#onStoreError(error, "store");
      return false;
    }
  }
}
