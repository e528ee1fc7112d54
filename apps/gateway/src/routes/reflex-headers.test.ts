import { describe, expect, test } from "bun:test";
import { hitHeaders, setReflexHeaders } from "./reflex-headers.ts";

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

  test("hitHeaders gives a hit's headers as a record", () => {
    expect(hitHeaders("application/json", 42n, 7)).toEqual({
      "content-type": "application/json",
      "x-reflex-cache": "hit",
      "x-reflex-entry": "42",
      "x-reflex-tier": "exact",
      age: "7",
    });
  });
});
