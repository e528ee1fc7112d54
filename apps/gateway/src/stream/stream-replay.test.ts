import { describe, expect, test } from "bun:test";
import { ChunkAssembler } from "./chunk-assembler.ts";
import { SseDecoder } from "./sse-decoder.ts";
import { replaySse } from "./stream-replay.ts";

describe("replaySse", () => {
  test("a replayed completion assembles back into itself", () => {
    const completion = {
      id: "c2",
      object: "chat.completion",
      created: 9,
      model: "m",
      system_fingerprint: "fp",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: null,
            refusal: null,
            tool_calls: [
              { id: "a", type: "function", function: { name: "f", arguments: "{}" } },
              { id: "b", type: "function", function: { name: "g", arguments: '{"x":1}' } },
            ],
          },
          logprobs: null,
          finish_reason: "tool_calls",
        },
        {
          index: 1,
          message: { role: "assistant", content: "two", refusal: null },
          logprobs: null,
          finish_reason: "length",
        },
      ],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    };
    const events = new SseDecoder().push(replaySse(completion, { includeUsage: true }));
    expect(events.at(-1)?.data).toBe("[DONE]");
    const assembler = new ChunkAssembler();
    for (const event of events.slice(0, -1)) assembler.push(JSON.parse(event.data));
    expect(assembler.completion()).toEqual(completion);
    const withoutUsage = new SseDecoder().push(replaySse(completion, { includeUsage: false }));
    expect(withoutUsage.some((event) => event.data.includes("usage"))).toBe(false);
  });
});
