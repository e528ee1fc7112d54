import { readFileSync } from "node:fs";
import { parseU64 } from "@reflex/codec";
import { ConfigError } from "@reflex/server";

/** What the semantic text of a chat request is: its last user message, or the whole conversation. */
export type SemanticTextMode = "last-user" | "conversation";

/** The semantic tiers' settings (L2 embeddings and search, L3 rerank verification). */
export interface SemanticConfig {
  /** The embedding model; undefined: no semantic tier (the gateway is exact-only). */
  readonly embeddingModel: string | undefined;
  /** An OpenAI-compatible API base for embeddings; undefined: the upstream's `/embeddings`. */
  readonly embeddingUrl: string | undefined;
  /** The key sent to {@link embeddingUrl} (never the client's); undefined sends none. */
  readonly embeddingKey: string | undefined;
  /** Most ms for one embedding call; past it the request is exact-only. */
  readonly embeddingTimeoutMs: number;
  readonly semanticText: SemanticTextMode;
  /** The server's default least cosine similarity of a semantic hit. */
  readonly minSimilarity: number;
  /** The lowest threshold a request header may ask for (a lower one is raised to it; 0 still means off). */
  readonly minSimilarityFloor: number;
  /** Per-tenant default thresholds (`--tenant-min-similarity FILE`); 0 turns a tenant's semantic tier off. */
  readonly tenantMinSimilarity: ReadonlyMap<bigint, number>;
  /** A `/rerank` endpoint (full URL) that verifies candidates (L3); undefined: no verification. */
  readonly rerankUrl: string | undefined;
  /** The `model` field of rerank requests, when the server wants one. */
  readonly rerankModel: string | undefined;
  /** The key sent to {@link rerankUrl}; undefined sends none. */
  readonly rerankKey: string | undefined;
  /** Least relevance score at which the verifier's verdict serves a candidate. */
  readonly rerankThreshold: number;
  /** Most ms for one rerank call; past it the candidate is not served. */
  readonly rerankTimeoutMs: number;
}

/** Off by default: no embedding model, no semantic tier. The thresholds are explained in the README. */
export const DEFAULT_SEMANTIC_CONFIG: SemanticConfig = {
  embeddingModel: undefined,
  embeddingUrl: undefined,
  embeddingKey: undefined,
  embeddingTimeoutMs: 5_000,
  semanticText: "last-user",
  minSimilarity: 0.95,
  minSimilarityFloor: 0.85,
  tenantMinSimilarity: new Map(),
  rerankUrl: undefined,
  rerankModel: undefined,
  rerankKey: undefined,
  rerankThreshold: 0.5,
  rerankTimeoutMs: 2_000,
};

/** The semantic flags, for `parseArgs`. */
export const SEMANTIC_OPTIONS = {
  "embedding-model": { type: "string" },
  "embedding-url": { type: "string" },
  "embedding-key-file": { type: "string" },
  "embedding-timeout": { type: "string" },
  "semantic-text": { type: "string" },
  "min-similarity": { type: "string" },
  "min-similarity-floor": { type: "string" },
  "tenant-min-similarity": { type: "string" },
  "rerank-url": { type: "string" },
  "rerank-model": { type: "string" },
  "rerank-key-file": { type: "string" },
  "rerank-threshold": { type: "string" },
  "rerank-timeout": { type: "string" },
} as const;

/** Reads one flag's value, else its environment variable. */
export type FlagReader = (flag: keyof typeof SEMANTIC_OPTIONS, envName?: string) => string | undefined;

/**
 * The semantic settings from flags, else environment, else {@link DEFAULT_SEMANTIC_CONFIG}.
 * Throws `ConfigError` for a value that does not parse or thresholds out of order.
 *
 * @example semanticConfig((flag, env) => values[flag] ?? process.env[env ?? ""], process.env)
 */
export function semanticConfig(text: FlagReader, env: Readonly<Record<string, string | undefined>>): SemanticConfig {
  const d = DEFAULT_SEMANTIC_CONFIG;
  const embeddingUrl = text("embedding-url", "REFLEX_EMBEDDING_URL");
  const rerankUrl = text("rerank-url", "REFLEX_RERANK_URL");
  for (const [flag, url] of [
    ["--embedding-url", embeddingUrl],
    ["--rerank-url", rerankUrl],
  ] as const) {
    if (url !== undefined && !/^https?:\/\/[^/]/.test(url)) {
      throw new ConfigError(`${flag} must be an http(s) URL, got ${JSON.stringify(url)}`);
    }
  }
  const mode = text("semantic-text", "REFLEX_SEMANTIC_TEXT") ?? d.semanticText;
  if (mode !== "last-user" && mode !== "conversation") {
    throw new ConfigError("--semantic-text must be last-user or conversation");
  }
  const minSimilarity = unit(text("min-similarity", "REFLEX_MIN_SIMILARITY"), "--min-similarity") ?? d.minSimilarity;
  const floor =
    unit(text("min-similarity-floor", "REFLEX_MIN_SIMILARITY_FLOOR"), "--min-similarity-floor") ?? d.minSimilarityFloor;
  if (minSimilarity > 0 && minSimilarity < floor) {
    throw new ConfigError(`--min-similarity (${minSimilarity}) is below --min-similarity-floor (${floor})`);
  }
  const embeddingKeyFile = text("embedding-key-file");
  const rerankKeyFile = text("rerank-key-file");
  const tenantFile = text("tenant-min-similarity", "REFLEX_TENANT_MIN_SIMILARITY");
  return {
    embeddingModel: text("embedding-model", "REFLEX_EMBEDDING_MODEL"),
    embeddingUrl,
    embeddingKey: embeddingKeyFile === undefined ? nonEmpty(env.REFLEX_EMBEDDING_KEY) : firstLine(embeddingKeyFile),
    embeddingTimeoutMs: millis(text("embedding-timeout"), "--embedding-timeout") ?? d.embeddingTimeoutMs,
    semanticText: mode,
    minSimilarity,
    minSimilarityFloor: floor,
    tenantMinSimilarity: tenantFile === undefined ? d.tenantMinSimilarity : tenantThresholds(tenantFile),
    rerankUrl,
    rerankModel: text("rerank-model", "REFLEX_RERANK_MODEL"),
    rerankKey: rerankKeyFile === undefined ? nonEmpty(env.REFLEX_RERANK_KEY) : firstLine(rerankKeyFile),
    rerankThreshold: score(text("rerank-threshold", "REFLEX_RERANK_THRESHOLD")) ?? d.rerankThreshold,
    rerankTimeoutMs: millis(text("rerank-timeout"), "--rerank-timeout") ?? d.rerankTimeoutMs,
  };
}

/**
 * A tenant thresholds file: a JSON object of decimal tenant ids to thresholds in [0, 1]
 * (`{"42": 0.97, "43": 0}`; 0 turns that tenant's semantic tier off).
 */
export function tenantThresholds(path: string): ReadonlyMap<bigint, number> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`--tenant-min-similarity: cannot read ${path} as JSON: ${(error as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ConfigError('--tenant-min-similarity: expected an object {"<tenant>": <threshold>, ...}');
  }
  const map = new Map<bigint, number>();
  for (const [tenant, value] of Object.entries(json)) {
    let id: bigint;
    try {
      id = parseU64(tenant, "tenant");
    } catch {
      throw new ConfigError(`--tenant-min-similarity: ${JSON.stringify(tenant)} is not a tenant id`);
    }
    if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
      throw new ConfigError(`--tenant-min-similarity: the threshold of tenant ${tenant} must be in [0, 1]`);
    }
    map.set(id, value);
  }
  return map;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.length === 0 ? undefined : value;
}

function firstLine(path: string): string {
  let content: string;
  try {
    content = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  const line = content.split("\n")[0]?.trim() ?? "";
  if (line.length === 0) throw new ConfigError(`${path} is empty`);
  return line;
}

function unit(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === "" || !(number >= 0 && number <= 1)) {
    throw new ConfigError(`${what} must be a number in [0, 1], got ${JSON.stringify(value)}`);
  }
  return number;
}

function score(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number)) {
    throw new ConfigError(`--rerank-threshold must be a number, got ${JSON.stringify(value)}`);
  }
  return number;
}

function millis(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1) {
    throw new ConfigError(`${what} must be an integer >= 1 (ms), got ${JSON.stringify(value)}`);
  }
  return Number(value);
}
