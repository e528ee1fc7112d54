import { describe, expect, test } from "bun:test";
import { ChunkAssembler } from "./chunk-assembler.ts";

const head = { id: "c1", object: "chat.completion.chunk", created: 5, model: "m", system_fingerprint: "fp" };

describe("ChunkAssembler", () => {
  test("assembles content, tool calls, finish reasons and usage", () => {
    const assembler = new ChunkAssembler();
    const chunks = [
      { ...head, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: { content: "Hel" }, finish_reason: null }] },
      { ...head, choices: [{ index: 0, delta: { content: "lo" }, finish_reason: null }] },
      {
        ...head,
        choices: [
          {
            index: 1,
            delta: {
              role: "assistant",
              tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "" } }],
            },
            finish_reason: null,
          },
        ],
      },
      { ...head, choices: [{ index: 1, delta: { tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] } }] },
      { ...head, choices: [{ index: 1, delta: { tool_calls: [{ index: 0, function: { arguments: "1}" } }] } }] },
      { ...head, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
    ];
    for (const chunk of chunks) assembler.push(chunk);
    expect(assembler.completion()).toBeUndefined(); // choice 1 has no finish_reason yet
    assembler.push({ ...head, choices: [{ index: 1, delta: {}, finish_reason: "tool_calls" }] });
    assembler.push({ ...head, choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });
    expect(assembler.completion()).toEqual({
      id: "c1",
      object: "chat.completion",
      created: 5,
      model: "m",
      system_fingerprint: "fp",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Hello", refusal: null },
          logprobs: null,
          finish_reason: "stop",
        },
        {
          index: 1,
          message: {
            role: "assistant",
            content: null,
            refusal: null,
            tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
          },
          logprobs: null,
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  });
});
