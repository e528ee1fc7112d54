import { GatewayError } from "../gateway-error.ts";

/** The two endpoints whose answers are cached. */
export type CachedEndpoint = "chat.completions" | "embeddings";

/** A request body of a cached endpoint, checked just enough to key and forward it. */
export interface RequestBody {
  readonly endpoint: CachedEndpoint;
  /** The parsed JSON object, as the client sent it. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly model: string;
  /** `stream: true` (chat only). */
  readonly stream: boolean;
  /** `stream_options.include_usage: true` (chat streams only). */
  readonly includeUsage: boolean;
  /** `temperature` when it is a number. */
  readonly temperature: number | undefined;
}

/**
 * Parses and checks the body text of `endpoint`: a JSON object with a non-empty string
 * `model`, and `messages` an array (chat) or an `input` (embeddings). Anything else is a
 * `GatewayError` (`invalid_json`, `invalid_request`) whose message never quotes the body.
 *
 * @example parseRequestBody("chat.completions", '{"model":"m","messages":[]}').model // "m"
 */
export function parseRequestBody(endpoint: CachedEndpoint, text: string): RequestBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GatewayError("invalid_json", "the request body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new GatewayError("invalid_request", "the request body must be a JSON object");
  }
  const fields = value as Record<string, unknown>;
  const model = fields.model;
  if (typeof model !== "string" || model.length === 0) {
    throw new GatewayError("invalid_request", "`model` must be a non-empty string");
  }
  if (endpoint === "chat.completions") {
    if (!Array.isArray(fields.messages)) throw new GatewayError("invalid_request", "`messages` must be an array");
    if (fields.stream !== undefined && fields.stream !== null && typeof fields.stream !== "boolean") {
      throw new GatewayError("invalid_request", "`stream` must be a boolean");
    }
  } else if (fields.input === undefined || fields.input === null) {
    throw new GatewayError("invalid_request", "`input` is required");
  }
  const stream = endpoint === "chat.completions" && fields.stream === true;
  const options = fields.stream_options;
  const includeUsage =
    stream &&
    typeof options === "object" &&
    options !== null &&
    (options as { include_usage?: unknown }).include_usage === true;
  return {
    endpoint,
    fields,
    model,
    stream,
    includeUsage,
    temperature: typeof fields.temperature === "number" ? fields.temperature : undefined,
  };
}
