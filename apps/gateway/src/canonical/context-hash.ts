import { hash64 } from "./hash64.ts";
import type { RequestBody } from "./request-body.ts";
import { stableJson } from "./stable-json.ts";

/** Roles whose messages set up the conversation rather than take a turn in it. */
const INSTRUCTION_ROLES = new Set(["system", "developer"]);

/**
 * The context hash of a request (the entry's `context_hash`; the semantic tier searches
 * within one context). Chat: the hash of the model, the system and developer messages, tools,
 * tool_choice, response_format, and every other message before the last user message: two
 * requests share a context when only their last user turn (and what follows it) differs.
 * Embeddings: the model, `dimensions` and `encoding_format`.
 *
 * @example contextHash(parseRequestBody("chat.completions", text)) // u64 bigint
 */
export function contextHash(body: RequestBody): bigint {
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
    }),
  );
}

function roleOf(message: unknown): string {
  if (typeof message !== "object" || message === null) return "";
  const role = (message as { role?: unknown }).role;
  return typeof role === "string" ? role : "";
}
