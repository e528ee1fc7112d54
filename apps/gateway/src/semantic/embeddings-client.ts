import { GatewayError } from "../gateway-error.ts";
import { postJson } from "./post-json.ts";

/** Options of {@link EmbeddingsClient}. */
export interface EmbeddingsClientOptions {
  /** The OpenAI-compatible API base (`.../v1`): requests go to `<base>/embeddings`. */
  readonly baseUrl: string;
  readonly model: string;
  readonly timeoutMs: number;
}

/** Most dimensions accepted from an embeddings server (the store's own limit is larger). */
const MAX_DIMENSIONS = 16_384;

/**
 * The gateway's own embedding calls: `POST <base>/embeddings` with `{model, input}` (one
 * text, floats), the answer's `data[0].embedding` checked to be finite numbers. Failures are
 * `embedding_failed` GatewayErrors (the caller degrades to exact-only).
 *
 * @example
 * const client = new EmbeddingsClient({ baseUrl: "http://127.0.0.1:8090/v1", model: "m", timeoutMs: 5000 });
 * const vector = await client.embed("what is the capital of France?", undefined);
 */
export class EmbeddingsClient {
  readonly #url: string;
  readonly #model: string;
  readonly #timeoutMs: number;

  constructor(options: EmbeddingsClientOptions) {
    this.#url = `${options.baseUrl.replace(/\/+$/, "")}/embeddings`;
    this.#model = options.model;
    this.#timeoutMs = options.timeoutMs;
  }

  /** The embedding model's name. */
  get model(): string {
    return this.#model;
  }

  /** The vector of `text`, sent with `authorization` (an `Authorization` value, or undefined for none). */
  async embed(text: string, authorization: string | undefined): Promise<number[]> {
    const answer = await postJson({
      url: this.#url,
      body: { model: this.#model, input: text },
      authorization,
      timeoutMs: this.#timeoutMs,
      code: "embedding_failed",
    });
    const data = (answer as { data?: unknown })?.data;
    const vector = Array.isArray(data) ? (data[0] as { embedding?: unknown } | undefined)?.embedding : undefined;
    if (
      !Array.isArray(vector) ||
      vector.length === 0 ||
      vector.length > MAX_DIMENSIONS ||
      !vector.every((value) => typeof value === "number" && Number.isFinite(value) && Math.abs(value) < 65_000)
    ) {
      throw new GatewayError("embedding_failed", "the embeddings answer holds no usable vector");
    }
    return vector as number[];
  }
}
