interface ToolCallParts {
  id: string | undefined;
  type: string;
  name: string;
  arguments: string;
}

interface ChoiceParts {
  role: string;
  content: string | null;
  refusal: string | null;
  toolCalls: Map<number, ToolCallParts>;
  finishReason: string | null;
  logprobs: unknown[] | null;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Assembles `chat.completion.chunk` objects into the `chat.completion` they stream: per
 * choice the role, the concatenated content and refusal, tool calls by index (id, type and
 * name from their first delta, arguments concatenated), the finish reason and the content
 * logprobs; the top-level id, created, model, system_fingerprint, service_tier, and the usage
 * of the usage chunk. This is the normalized form a streamed answer is stored in.
 *
 * @example
 * const assembler = new ChunkAssembler();
 * for (const chunk of chunks) assembler.push(chunk);
 * assembler.completion(); // the chat.completion, or undefined while a choice lacks finish_reason
 */
export class ChunkAssembler {
  #head: Json | undefined;
  readonly #choices = new Map<number, ChoiceParts>();
  #usage: unknown;

  /** Adds one parsed chunk; anything that is not a chunk object is ignored. */
  push(chunk: unknown): void {
    if (!isObject(chunk)) return;
    if (this.#head === undefined) {
      const { id, created, model, system_fingerprint, service_tier } = chunk;
      this.#head = { id, created, model, system_fingerprint, service_tier };
    }
    if (isObject(chunk.usage)) this.#usage = chunk.usage;
    if (!Array.isArray(chunk.choices)) return;
    for (const choice of chunk.choices) {
      if (!isObject(choice) || typeof choice.index !== "number") continue;
      let parts = this.#choices.get(choice.index);
      if (parts === undefined) {
        parts = {
          role: "assistant",
          content: null,
          refusal: null,
          toolCalls: new Map(),
          finishReason: null,
          logprobs: null,
        };
        this.#choices.set(choice.index, parts);
      }
      const delta = isObject(choice.delta) ? choice.delta : {};
      if (typeof delta.role === "string") parts.role = delta.role;
      if (typeof delta.content === "string") parts.content = (parts.content ?? "") + delta.content;
      if (typeof delta.refusal === "string") parts.refusal = (parts.refusal ?? "") + delta.refusal;
      if (Array.isArray(delta.tool_calls)) {
        for (const call of delta.tool_calls) this.#toolCall(parts, call);
      }
      if (isObject(choice.logprobs) && Array.isArray(choice.logprobs.content)) {
        parts.logprobs = [...(parts.logprobs ?? []), ...choice.logprobs.content];
      }
      if (typeof choice.finish_reason === "string") parts.finishReason = choice.finish_reason;
    }
  }

  #toolCall(parts: ChoiceParts, call: unknown): void {
    if (!isObject(call) || typeof call.index !== "number") return;
    let tool = parts.toolCalls.get(call.index);
    if (tool === undefined) {
      tool = { id: undefined, type: "function", name: "", arguments: "" };
      parts.toolCalls.set(call.index, tool);
    }
    if (typeof call.id === "string") tool.id = call.id;
    if (typeof call.type === "string") tool.type = call.type;
    const fn = isObject(call.function) ? call.function : {};
    if (typeof fn.name === "string") tool.name += fn.name;
    if (typeof fn.arguments === "string") tool.arguments += fn.arguments;
  }

  /** The assembled completion once every choice seen has a finish_reason; else undefined. */
  completion(): Json | undefined {
    if (this.#head === undefined || this.#choices.size === 0) return undefined;
    const indexes = [...this.#choices.keys()].sort((a, b) => a - b);
    const choices: Json[] = [];
    for (const index of indexes) {
      const parts = this.#choices.get(index) as ChoiceParts;
      if (parts.finishReason === null) return undefined;
      const message: Json = { role: parts.role, content: parts.content, refusal: parts.refusal };
      if (parts.toolCalls.size > 0) {
        message.tool_calls = [...parts.toolCalls.entries()]
          .sort(([a], [b]) => a - b)
          .map(([, tool]) => ({
            id: tool.id,
            type: tool.type,
            function: { name: tool.name, arguments: tool.arguments },
          }));
      }
      choices.push({
        index,
        message,
        logprobs: parts.logprobs === null ? null : { content: parts.logprobs, refusal: null },
        finish_reason: parts.finishReason,
      });
    }
    const completion: Json = { ...this.#head, object: "chat.completion", choices };
    if (this.#usage !== undefined) completion.usage = this.#usage;
    for (const key of Object.keys(completion)) if (completion[key] === undefined) delete completion[key];
    return completion;
  }
}
