import { describe, expect, test } from "bun:test";
import { setReflexHeaders } from "./reflex-headers.ts";

describe("setReflexHeaders", () => {
  test("a hit names its tier, entry and age", () => {
    const headers = new Headers();
    setReflexHeaders(headers, "hit", 18446744073709551615n, 7);
    expect(Object.fromEntries(headers)).toEqual({
      "x-reflex-cache": "hit",
      "x-reflex-tier": "exact",
      "x-reflex-entry": "18446744073709551615",
      age: "7",
    });
  });

  test("a miss or bypass names its entry only", () => {
    const headers = new Headers();
    setReflexHeaders(headers, "bypass", 5n);
    expect(Object.fromEntries(headers)).toEqual({ "x-reflex-cache": "bypass", "x-reflex-entry": "5" });
  });
});
