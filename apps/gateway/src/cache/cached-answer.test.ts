import { describe, expect, test } from "bun:test";
import { decodeCachedAnswer, encodeCachedAnswer, usageOf } from "./cached-answer.ts";

const encoder = new TextEncoder();
const canonical = encoder.encode('{"endpoint":"chat.completions","request":{"model":"m"}}');
const body = encoder.encode('{"id":"c1","choices":[]}');

describe("cached answer record", () => {
  test("round-trips origin, usage and body under the same canonical request", () => {
    const payload = encodeCachedAnswer(canonical, { origin: "sse", usage: { prompt: 12, completion: 3 }, body });
    expect(decodeCachedAnswer(payload, canonical)).toEqual({
      origin: "sse",
      usage: { prompt: 12, completion: 3 },
      body,
    });
    const noUsage = encodeCachedAnswer(canonical, { origin: "json", usage: undefined, body });
    expect(decodeCachedAnswer(noUsage, canonical)?.usage).toBeUndefined();
  });

  test("another canonical request under the same id is a miss", () => {
    const payload = encodeCachedAnswer(canonical, { origin: "json", usage: undefined, body });
    const other = encoder.encode('{"endpoint":"chat.completions","request":{"model":"n"}}');
    expect(decodeCachedAnswer(payload, other)).toBeUndefined();
    expect(decodeCachedAnswer(payload, canonical.subarray(1))).toBeUndefined();
  });

  test("a payload that is not a record of this version is a miss", () => {
    const payload = encodeCachedAnswer(canonical, { origin: "json", usage: undefined, body });
    const future = payload.slice();
    future[3] = 2;
    expect(decodeCachedAnswer(future, canonical)).toBeUndefined();
    expect(decodeCachedAnswer(encoder.encode("hello"), canonical)).toBeUndefined();
    expect(decodeCachedAnswer(payload.subarray(0, 30), canonical)).toBeUndefined();
  });

  test("the body is a copy, independent of the payload", () => {
    const payload = encodeCachedAnswer(canonical, { origin: "json", usage: undefined, body });
    const answer = decodeCachedAnswer(payload, canonical);
    payload.fill(0);
    expect(answer?.body).toEqual(body);
  });

  test("usageOf reads prompt and completion tokens", () => {
    expect(usageOf({ usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } })).toEqual({
      prompt: 5,
      completion: 2,
    });
    expect(usageOf({ usage: { prompt_tokens: 5, total_tokens: 5 } })).toEqual({ prompt: 5, completion: 0 });
    expect(usageOf({})).toBeUndefined();
    expect(usageOf(null)).toBeUndefined();
  });
});
