import type { CachedEndpoint } from "../canonical/request-body.ts";

/**
 * True when a parsed 200 answer of `endpoint` is complete enough to store. Chat: a non-empty
 * `choices` array whose every choice has a `finish_reason` (a string), none of them
 * `content_filter` and no `message.refusal` (a refusal is the provider declining, not an
 * answer worth repeating). Embeddings: a non-empty `data` array.
 *
 * @example isCompleteAnswer("chat.completions", { choices: [{ finish_reason: "stop", message: {} }] }) // true
 */
export function isCompleteAnswer(endpoint: CachedEndpoint, answer: unknown): boolean {
  if (typeof answer !== "object" || answer === null) return false;
  if (endpoint === "embeddings") {
    const data = (answer as { data?: unknown }).data;
    return Array.isArray(data) && data.length > 0;
  }
  const choices = (answer as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length === 0) return false;
  return choices.every((choice: unknown) => {
    if (typeof choice !== "object" || choice === null) return false;
    const { finish_reason: finish, message } = choice as { finish_reason?: unknown; message?: unknown };
    if (typeof finish !== "string" || finish.length === 0 || finish === "content_filter") return false;
    const refusal = typeof message === "object" && message !== null ? (message as { refusal?: unknown }).refusal : null;
    return refusal === null || refusal === undefined;
  });
}
