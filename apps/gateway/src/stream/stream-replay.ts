type Json = Record<string, unknown>;

const encoder = new TextEncoder();

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The SSE bytes of a stored `chat.completion` replayed as a stream: per choice a first chunk
 * with the role (and empty content), one chunk with the whole content (and its logprobs), one
 * chunk per tool call (id, type, name and all of its arguments), a refusal chunk when there is
 * one, and a last chunk with the finish reason; then, when `includeUsage`, the usage chunk
 * (`choices: []`, as providers send it, with `usage: null` on every other chunk), then
 * `data: [DONE]`. The official SDKs assemble these into the stored message.
 *
 * @example replaySse(JSON.parse(storedBody), { includeUsage: true }) // Uint8Array of SSE text
 */
export function replaySse(completion: Json, options: { readonly includeUsage: boolean }): Uint8Array {
  const head: Json = {
    id: completion.id,
    object: "chat.completion.chunk",
    created: completion.created,
    model: completion.model,
  };
  if (completion.system_fingerprint !== undefined) head.system_fingerprint = completion.system_fingerprint;
  if (completion.service_tier !== undefined) head.service_tier = completion.service_tier;
  const lines: string[] = [];
  const send = (choices: Json[], usage?: unknown) => {
    const chunk: Json = { ...head, choices };
    if (options.includeUsage) chunk.usage = usage ?? null;
    lines.push(`data: ${JSON.stringify(chunk)}\n\n`);
  };
  const choices = Array.isArray(completion.choices) ? completion.choices.filter(isObject) : [];
  for (const choice of choices) {
    const index = choice.index;
    const message = isObject(choice.message) ? choice.message : {};
    const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isObject) : [];
    const content = typeof message.content === "string" ? message.content : null;
    const step = (delta: Json, finish: unknown = null, logprobs: unknown = null) =>
      send([{ index, delta, logprobs, finish_reason: finish }]);
    step({ role: message.role ?? "assistant", content: content === null && toolCalls.length > 0 ? null : "" });
    if (content !== null && content.length > 0) step({ content }, null, choice.logprobs ?? null);
    for (const [i, call] of toolCalls.entries()) {
      const fn = isObject(call.function) ? call.function : {};
      step({
        tool_calls: [
          {
            index: i,
            id: call.id,
            type: call.type ?? "function",
            function: { name: fn.name, arguments: fn.arguments ?? "" },
          },
        ],
      });
    }
    if (typeof message.refusal === "string") step({ refusal: message.refusal });
    step({}, choice.finish_reason);
  }
  if (options.includeUsage && completion.usage !== undefined) send([], completion.usage);
  lines.push("data: [DONE]\n\n");
  return encoder.encode(lines.join(""));
}
