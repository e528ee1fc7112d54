import { describe, expect, test } from "bun:test";
import { bearerToken } from "./bearer-token.ts";

describe("bearerToken", () => {
  test("reads the token of a Bearer header", () => {
    expect(bearerToken("Bearer sk-abc")).toBe("sk-abc");
    expect(bearerToken("bearer   sk-abc ")).toBe("sk-abc");
  });

  test("nothing for no header, another scheme or no token", () => {
    expect(bearerToken(null)).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken("Basic abc")).toBeUndefined();
    expect(bearerToken("Bearer ")).toBeUndefined();
    expect(bearerToken("Bearer a b")).toBeUndefined();
  });
});
