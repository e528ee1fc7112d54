import { describe, expect, test } from "bun:test";
import { isGatewayError } from "../gateway-error.ts";
import { cacheControls } from "./cache-controls.ts";

describe("cacheControls", () => {
  test("reads no-cache, no-store and the TTL header", () => {
    expect(cacheControls(new Headers())).toEqual({ noCache: false, noStore: false, ttlSeconds: undefined });
    expect(cacheControls(new Headers({ "cache-control": "No-Cache, max-age=0", "x-reflex-ttl": "60" }))).toEqual({
      noCache: true,
      noStore: false,
      ttlSeconds: 60,
    });
    expect(cacheControls(new Headers({ "cache-control": "no-store" })).noStore).toBe(true);
    expect(cacheControls(new Headers({ "x-reflex-ttl": "0" })).ttlSeconds).toBe(0);
  });

  test("a malformed TTL is invalid_header", () => {
    for (const ttl of ["-1", "1.5", "abc", "01"]) {
      let caught: unknown;
      try {
        cacheControls(new Headers({ "x-reflex-ttl": ttl }));
      } catch (error) {
        caught = error;
      }
      expect(isGatewayError(caught, "invalid_header")).toBe(true);
    }
  });
});
