import type { EntryStore } from "@reflex/core";
import type { Logger } from "@reflex/server";
import type { SemanticDeps } from "../gateway-deps.ts";
import type { GatewayMetrics } from "../observe/gateway-metrics.ts";
import { Embedder } from "./embedder.ts";
import { EmbeddingCache } from "./embedding-cache.ts";
import { EmbeddingsClient } from "./embeddings-client.ts";
import { ParaphraseFlights } from "./paraphrase-flights.ts";
import { RerankVerifier } from "./rerank-verifier.ts";
import type { SemanticConfig } from "./semantic-config.ts";
import { SemanticTier } from "./semantic-tier.ts";

/** What {@link semanticParts} needs beyond the semantic config. */
export interface SemanticPartsContext {
  readonly store: EntryStore;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** The upstream's API base (embeddings go to `<upstream>/embeddings` without `--embedding-url`). */
  readonly upstream: string;
  /** TTL of cached embeddings: the answers' default. */
  readonly ttlSeconds: number | undefined;
}

/**
 * The semantic tiers' parts from their config, or undefined when no embedding model is set
 * (the gateway is then exact-only). Embeddings go to `--embedding-url` with its own key, or
 * to the upstream with each caller's upstream credential; failures are logged by their
 * message only (never a text, a vector or a key). Without a verifier, paraphrases that miss
 * at the same time share one upstream call (paraphrase-flights.ts).
 *
 * @example const semantic = semanticParts(config.semantic, { store, metrics, logger, upstream, ttlSeconds });
 */
export function semanticParts(config: SemanticConfig, context: SemanticPartsContext): SemanticDeps | undefined {
  const model = config.embeddingModel;
  if (model === undefined) return undefined;
  const { store, metrics, logger } = context;
  const separate = config.embeddingUrl !== undefined;
  const embeddingKey = config.embeddingKey === undefined ? undefined : `Bearer ${config.embeddingKey}`;
  const embedder = new Embedder({
    client: new EmbeddingsClient({
      baseUrl: config.embeddingUrl ?? context.upstream,
      model,
      timeoutMs: config.embeddingTimeoutMs,
    }),
    cache: new EmbeddingCache(store),
    metrics: metrics.semantic,
    authorization: (caller) => (separate ? embeddingKey : caller.upstreamAuthorization),
    ttlSeconds: context.ttlSeconds,
    onFailure: (error) => logger.error(`reflex-gateway: embedding failed: ${(error as Error).message}`),
  });
  const verifier =
    config.rerankUrl === undefined
      ? undefined
      : {
          client: new RerankVerifier({
            url: config.rerankUrl,
            model: config.rerankModel,
            key: config.rerankKey,
            timeoutMs: config.rerankTimeoutMs,
          }),
          threshold: config.rerankThreshold,
        };
  const tier = new SemanticTier({
    store,
    embedder,
    metrics: metrics.semantic,
    textMode: config.semanticText,
    verifier,
    onStoreError: (error) => {
      metrics.storeError("lookup");
      logger.error("reflex-gateway: store search failed", error);
    },
    onVerifierFailure: (error) => logger.error(`reflex-gateway: rerank failed: ${(error as Error).message}`),
  });
  // A paraphrase joining another's call is served unverified: with L3 each request is verified on its own.
  const paraphrases = verifier === undefined ? new ParaphraseFlights() : undefined;
  return { tier, settings: config, embeddingModel: model, paraphrases };
}
