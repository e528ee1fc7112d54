import { describe, expect, test } from "bun:test";
import { isCompleteAnswer } from "./complete-answer.ts";

const choice = (fields: Record<string, unknown>) => ({
  index: 0,
  message: { role: "assistant", content: "x" },
  ...fields,
});

describe("isCompleteAnswer", () => {
  test("a chat answer needs a finish_reason on every choice", () => {
    expect(isCompleteAnswer("chat.completions", { choices: [choice({ finish_reason: "stop" })] })).toBe(true);
    expect(
      isCompleteAnswer("chat.completions", {
        choices: [choice({ finish_reason: "stop" }), choice({ index: 1, finish_reason: null })],
      }),
    ).toBe(false);
    expect(isCompleteAnswer("chat.completions", { choices: [] })).toBe(false);
    expect(isCompleteAnswer("chat.completions", { error: {} })).toBe(false);
    expect(isCompleteAnswer("chat.completions", null)).toBe(false);
  });

  test("a filtered answer or a refusal is not stored", () => {
    expect(isCompleteAnswer("chat.completions", { choices: [choice({ finish_reason: "content_filter" })] })).toBe(
      false,
    );
    const refused = { index: 0, message: { role: "assistant", content: null, refusal: "no" }, finish_reason: "stop" };
    expect(isCompleteAnswer("chat.completions", { choices: [refused] })).toBe(false);
  });

  test("an embeddings answer needs data", () => {
    expect(isCompleteAnswer("embeddings", { data: [{ embedding: [0.1] }] })).toBe(true);
    expect(isCompleteAnswer("embeddings", { data: [] })).toBe(false);
  });
});
