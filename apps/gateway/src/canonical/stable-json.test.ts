import { describe, expect, test } from "bun:test";
import { stableJson } from "./stable-json.ts";

describe("stableJson", () => {
  test("sorts object keys at every depth and keeps array order", () => {
    expect(stableJson({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
    expect(stableJson([3, 1, 2])).toBe("[3,1,2]");
  });

  test("equal values parsed from different texts give the same text", () => {
    const one = JSON.parse('{"temperature":1.0,"model":"m","stop":["\\u0041"]}');
    const two = JSON.parse('{"model":"m","stop":["A"],"temperature":1}');
    expect(stableJson(one)).toBe(stableJson(two));
  });

  test("scalars print as JSON", () => {
    expect(stableJson(null)).toBe("null");
    expect(stableJson('a"b')).toBe('"a\\"b"');
    expect(stableJson(true)).toBe("true");
    expect(stableJson(0.5)).toBe("0.5");
  });
});
