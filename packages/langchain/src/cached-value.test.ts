import { expect, test } from "bun:test";
import { decodeCachedValue, encodeCachedValue } from "./cached-value.ts";

test("the payload keeps the full key; another key, version or shape is null", () => {
  const payload = encodeCachedValue("prompt", "llm", [{ text: "answer" }]);
  expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({
    v: 1,
    prompt: "prompt",
    llmString: "llm",
    generations: [{ text: "answer" }],
  });
  expect(decodeCachedValue(payload, "prompt", "llm")?.map((g) => g.text)).toEqual(["answer"]);
  expect(decodeCachedValue(payload, undefined, "llm")?.map((g) => g.text)).toEqual(["answer"]);
  expect(decodeCachedValue(payload, "other", "llm")).toBeNull();
  expect(decodeCachedValue(payload, "prompt", "other")).toBeNull();
  const enc = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  expect(
    decodeCachedValue(enc({ v: 2, prompt: "prompt", llmString: "llm", generations: [] }), "prompt", "llm"),
  ).toBeNull();
  expect(decodeCachedValue(enc({ v: 1, prompt: "prompt", llmString: "llm" }), "prompt", "llm")).toBeNull();
  expect(decodeCachedValue(new Uint8Array([0xff]), "prompt", "llm")).toBeNull();
});
