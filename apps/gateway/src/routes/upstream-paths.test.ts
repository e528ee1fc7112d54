import { describe, expect, test } from "bun:test";
import { upstreamPath } from "./upstream-paths.ts";

describe("upstreamPath", () => {
  test("drops the /v1 prefix and keeps the query", () => {
    expect(upstreamPath("http://127.0.0.1:8080/v1/chat/completions")).toBe("/chat/completions");
    expect(upstreamPath("http://h/v1/models?limit=2&after=x")).toBe("/models?limit=2&after=x");
    expect(upstreamPath("http://h/v1")).toBe("/");
  });
});
