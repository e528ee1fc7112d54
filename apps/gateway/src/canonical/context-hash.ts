import { hash64 } from "./hash64.ts";
import { isLeftOut } from "./left-out-fields.ts";
import type { RequestBody } from "./request-body.ts";
import { stableJson } from "./stable-json.ts";

/** Roles whose messages set up the conversation rather than take a turn in it. */
const INSTRUCTION_ROLES = new Set(["system", "developer"]);

/**
 * The chat fields left out of the context: they only steer sampling, so a paraphrase asked
 * with another temperature may take the stored answer. Every other keyed field (`n`,
 * `max_tokens`, `stop`, `logprobs`, unknown ones...) changes what an answer looks like and
 * is in the context, so a semantic hit never answers with the wrong shape.
 */
const SAMPLING_FIELDS = new Set(["temperature", "top_p", "seed", "frequency_penalty", "presence_penalty"]);
/** Fields the context holds under their own name below. */
const NAMED_FIELDS = new Set(["model", "messages", "tools", "tool_choice", "response_format"]);

/**
 * The context hash of a request (the entry's `context_hash`; the semantic tier searches
 * within one context). Chat: the hash of the model, the system and developer messages, tools,
 * tool_choice, response_format, and every other message before the last user message: two
 * requests share a context when only their last user turn (and what follows it) differs.
 * Every other keyed field but the sampling ones is in it too ({@link SAMPLING_FIELDS}).
 * Embeddings: the model, `dimensions` and `encoding_format`. With `embeddingModel` (the
 * semantic tier is on), its name is in the context as well: vectors of two embedding
 * models are never compared.
 *
 * @example contextHash(parseRequestBody("chat.completions", text)) // u64 bigint
 */
export function contextHash(body: RequestBody, embeddingModel?: string): bigint {
  const fields = body.fields;
  if (body.endpoint === "embeddings") {
    return hash64(
      stableJson({
        endpoint: body.endpoint,
        model: body.model,
        dimensions: fields.dimensions ?? null,
        encoding_format: fields.encoding_format ?? null,
      }),
    );
  }
  const messages = fields.messages as readonly unknown[];
  let lastUser = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (roleOf(messages[i]) === "user") {
      lastUser = i;
      break;
    }
  }
  const params: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (value === null || isLeftOut(field) || SAMPLING_FIELDS.has(field) || NAMED_FIELDS.has(field)) continue;
    params[field] = value;
  }
  const instructions: unknown[] = [];
  const earlier: unknown[] = [];
  for (const [i, message] of messages.entries()) {
    if (INSTRUCTION_ROLES.has(roleOf(message))) instructions.push(message);
    else if (i < lastUser) earlier.push(message);
  }
  return hash64(
    stableJson({
      endpoint: body.endpoint,
      model: body.model,
      instructions,
      earlier,
      tools: fields.tools ?? null,
      tool_choice: fields.tool_choice ?? null,
      response_format: fields.response_format ?? null,
      params,
      ...(embeddingModel === undefined ? {} : { embedding_model: embeddingModel }),
    }),
  );
}

function roleOf(message: unknown): string {
  if (typeof message !== "object" || message === null) return "";
  const role = (message as { role?: unknown }).role;
  return typeof role === "string" ? role : "";
}
