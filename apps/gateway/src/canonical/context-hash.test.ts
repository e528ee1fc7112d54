import { describe, expect, test } from "bun:test";
import { contextHash } from "./context-hash.ts";
import { parseRequestBody } from "./request-body.ts";

const hashOf = (fields: Record<string, unknown>) =>
  contextHash(parseRequestBody("chat.completions", JSON.stringify(fields)));

const system = { role: "system", content: "be brief" };
const turn1 = { role: "user", content: "hello" };
const reply1 = { role: "assistant", content: "hi" };

describe("contextHash", () => {
  test("only the last user turn differing keeps the context", () => {
    const a = hashOf({ model: "m", messages: [system, turn1, reply1, { role: "user", content: "what is 2+2" }] });
    const b = hashOf({ model: "m", messages: [system, turn1, reply1, { role: "user", content: "what is 3+3" }] });
    expect(a).toBe(b);
  });

  test("the model, the system prompt, tools, response_format and earlier turns change it", () => {
    const messages = [system, turn1, reply1, { role: "user", content: "q" }];
    const base = hashOf({ model: "m", messages });
    const variants = [
      hashOf({ model: "n", messages }),
      hashOf({ model: "m", messages: [{ role: "developer", content: "x" }, ...messages.slice(1)] }),
      hashOf({ model: "m", messages, tools: [{ type: "function", function: { name: "f" } }] }),
      hashOf({ model: "m", messages, tool_choice: "required" }),
      hashOf({ model: "m", messages, response_format: { type: "json_object" } }),
      hashOf({ model: "m", messages: [system, { role: "user", content: "hey" }, reply1, messages[3]] }),
    ];
    for (const variant of variants) expect(variant).not.toBe(base);
  });

  test("sampling parameters are not part of the context", () => {
    const messages = [turn1];
    expect(hashOf({ model: "m", messages, temperature: 1 })).toBe(hashOf({ model: "m", messages }));
    expect(hashOf({ model: "m", messages, top_p: 0.5, seed: 3, user: "u", stream: true })).toBe(
      hashOf({ model: "m", messages }),
    );
  });

  test("fields that shape the answer (n, max_tokens, stop, logprobs, unknown ones) are", () => {
    const messages = [turn1];
    const base = hashOf({ model: "m", messages });
    for (const extra of [{ n: 2 }, { max_tokens: 5 }, { stop: ["x"] }, { logprobs: true }, { novel: 1 }]) {
      expect(hashOf({ model: "m", messages, ...extra })).not.toBe(base);
    }
  });

  test("the embedding model, when given, is part of the context", () => {
    const body = parseRequestBody("chat.completions", JSON.stringify({ model: "m", messages: [turn1] }));
    expect(contextHash(body, "e1")).not.toBe(contextHash(body, "e2"));
    expect(contextHash(body, "e1")).not.toBe(contextHash(body));
  });

  test("embeddings: model and dimensions", () => {
    const of = (fields: Record<string, unknown>) => contextHash(parseRequestBody("embeddings", JSON.stringify(fields)));
    expect(of({ model: "e", input: "a" })).toBe(of({ model: "e", input: "b" }));
    expect(of({ model: "e", input: "a", dimensions: 8 })).not.toBe(of({ model: "e", input: "a" }));
  });
});
