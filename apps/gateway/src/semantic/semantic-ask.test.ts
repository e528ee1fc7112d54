import { describe, expect, test } from "bun:test";
import { parseRequestBody } from "../canonical/request-body.ts";
import { isGatewayError } from "../gateway-error.ts";
import { semanticAsk, type ThresholdSettings } from "./semantic-ask.ts";

const settings: ThresholdSettings = {
  minSimilarity: 0.95,
  minSimilarityFloor: 0.85,
  tenantMinSimilarity: new Map([
    [7n, 0.97],
    [8n, 0],
  ]),
  semanticText: "last-user",
};
const chat = parseRequestBody("chat.completions", '{"model":"m","messages":[{"role":"user","content":"hi there"}]}');
const ask = (headers: Record<string, string> = {}, tenant = 1n) =>
  semanticAsk(settings, tenant, chat, new Headers(headers));

describe("semanticAsk", () => {
  test("the server default, the tenant's, and a header raised to the floor", () => {
    expect(ask()).toEqual({ text: "hi there", minSimilarity: 0.95 });
    expect(ask({}, 7n)?.minSimilarity).toBe(0.97);
    expect(ask({ "x-reflex-min-similarity": "0.9" })?.minSimilarity).toBe(0.9);
    expect(ask({ "x-reflex-min-similarity": "0.2" })?.minSimilarity).toBe(0.85);
    expect(ask({ "x-reflex-min-similarity": "0.99" }, 7n)?.minSimilarity).toBe(0.99);
  });

  test("exact-only: 0 (header or tenant), X-Reflex-Semantic: off, embeddings, no safe text", () => {
    expect(ask({ "x-reflex-min-similarity": "0" })).toBeUndefined();
    expect(ask({}, 8n)).toBeUndefined();
    expect(ask({ "x-reflex-semantic": "OFF" })).toBeUndefined();
    expect(ask({ "x-reflex-semantic": "on" })).toBeDefined();
    const embeddings = parseRequestBody("embeddings", '{"model":"e","input":"x"}');
    expect(semanticAsk(settings, 1n, embeddings, new Headers())).toBeUndefined();
    const image = parseRequestBody(
      "chat.completions",
      '{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what is this"},{"type":"image_url","image_url":{"url":"x"}}]}]}',
    );
    expect(semanticAsk(settings, 1n, image, new Headers())).toBeUndefined();
  });

  test("a malformed header is invalid_header", () => {
    for (const headers of [{ "x-reflex-min-similarity": "high" }, { "x-reflex-semantic": "maybe" }]) {
      let caught: unknown;
      try {
        ask(headers);
      } catch (error) {
        caught = error;
      }
      expect(isGatewayError(caught, "invalid_header")).toBe(true);
    }
  });
});
