import type { RequestBody } from "../canonical/request-body.ts";
import { GatewayError } from "../gateway-error.ts";
import type { SemanticConfig } from "./semantic-config.ts";
import { semanticText } from "./semantic-text.ts";
import type { SemanticAsk } from "./semantic-tier.ts";

/** `X-Reflex-Min-Similarity`: this request's threshold (0: exact-only), raised to the operator's floor. */
export const MIN_SIMILARITY_HEADER = "x-reflex-min-similarity";
/** `X-Reflex-Semantic: off`: exact-only for this request. */
export const SEMANTIC_HEADER = "x-reflex-semantic";

/** The settings {@link semanticAsk} reads. */
export type ThresholdSettings = Pick<
  SemanticConfig,
  "minSimilarity" | "minSimilarityFloor" | "tenantMinSimilarity" | "semanticText"
>;

/**
 * What a chat request asks of the semantic tier, or undefined for exact-only: the
 * embeddings endpoint, `X-Reflex-Semantic: off`, a threshold of 0 (by header, tenant or
 * server default), or no safe semantic text (semantic-text.ts). The threshold is the
 * header's, raised to `minSimilarityFloor` and at most 1; else the tenant's
 * (`--tenant-min-similarity`); else the server's. A malformed header is `invalid_header`.
 *
 * @example semanticAsk(settings, tenant, body, headers) // { text: "hi", minSimilarity: 0.95 }
 */
export function semanticAsk(
  settings: ThresholdSettings,
  tenant: bigint,
  body: RequestBody,
  headers: Headers,
): SemanticAsk | undefined {
  if (body.endpoint !== "chat.completions") return undefined;
  const switchHeader = headers.get(SEMANTIC_HEADER);
  if (switchHeader !== null) {
    const value = switchHeader.trim().toLowerCase();
    if (value === "off") return undefined;
    if (value !== "on") throw new GatewayError("invalid_header", "X-Reflex-Semantic must be on or off");
  }
  const asked = headers.get(MIN_SIMILARITY_HEADER);
  let minSimilarity: number;
  if (asked !== null) {
    const value = Number(asked.trim());
    if (asked.trim() === "" || !(value >= 0 && value <= 1)) {
      throw new GatewayError("invalid_header", "X-Reflex-Min-Similarity must be a number in [0, 1]");
    }
    minSimilarity = value === 0 ? 0 : Math.max(value, settings.minSimilarityFloor);
  } else {
    minSimilarity = settings.tenantMinSimilarity.get(tenant) ?? settings.minSimilarity;
  }
  if (minSimilarity === 0) return undefined;
  const text = semanticText(body.fields.messages as readonly unknown[], settings.semanticText);
  return text === undefined ? undefined : { text, minSimilarity };
}
