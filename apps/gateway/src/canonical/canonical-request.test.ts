import { describe, expect, test } from "bun:test";
import { canonicalRequest } from "./canonical-request.ts";
import { parseRequestBody } from "./request-body.ts";

const chat = (fields: Record<string, unknown>) =>
  canonicalRequest(parseRequestBody("chat.completions", JSON.stringify(fields)));

const base = { model: "gpt-test", messages: [{ role: "user", content: "hi" }] };

describe("canonicalRequest", () => {
  test("key order and left-out fields do not change the key", () => {
    const plain = chat(base);
    const noisy = chat({
      messages: base.messages,
      stream: true,
      stream_options: { include_usage: true },
      user: "u-1",
      metadata: { a: "b" },
      store: true,
      service_tier: "flex",
      model: "gpt-test",
    });
    expect(noisy.key).toBe(plain.key);
    expect(noisy.bytes).toEqual(plain.bytes);
  });

  test("a null field keys like an absent one", () => {
    expect(chat({ ...base, temperature: null }).key).toBe(chat(base).key);
  });

  test("model, messages and every sampling parameter change the key", () => {
    const key = chat(base).key;
    const variants: Record<string, unknown>[] = [
      { ...base, model: "other" },
      { ...base, messages: [{ role: "user", content: "hi!" }] },
      { ...base, temperature: 0.5 },
      { ...base, top_p: 0.9 },
      { ...base, seed: 7 },
      { ...base, n: 2 },
      { ...base, stop: ["x"] },
      { ...base, max_tokens: 5 },
      { ...base, max_completion_tokens: 5 },
      { ...base, presence_penalty: 1 },
      { ...base, frequency_penalty: 1 },
      { ...base, logit_bias: { "1": 2 } },
      { ...base, tools: [{ type: "function", function: { name: "f" } }] },
      { ...base, tool_choice: "none" },
      { ...base, response_format: { type: "json_object" } },
      { ...base, some_future_field: 1 },
    ];
    const keys = new Set(variants.map((variant) => chat(variant).key));
    expect(keys.size).toBe(variants.length);
    expect(keys.has(key)).toBe(false);
  });

  test("the endpoint is part of the key", () => {
    const fields = JSON.stringify({ model: "m", input: "x", messages: [] });
    const asChat = canonicalRequest(parseRequestBody("chat.completions", fields));
    const asEmbeddings = canonicalRequest(parseRequestBody("embeddings", fields));
    expect(asChat.key).not.toBe(asEmbeddings.key);
  });

  test("the bytes are the sorted JSON of endpoint and request", () => {
    const { bytes } = chat({ model: "m", messages: [], temperature: 0 });
    expect(new TextDecoder().decode(bytes)).toBe(
      '{"endpoint":"chat.completions","request":{"messages":[],"model":"m","temperature":0}}',
    );
  });
});
