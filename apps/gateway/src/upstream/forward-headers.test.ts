import { describe, expect, test } from "bun:test";
import { clientResponseHeaders, upstreamRequestHeaders } from "./forward-headers.ts";

describe("forwarded headers", () => {
  test("the upstream request keeps the client's headers but its credential, controls and hop-by-hop ones", () => {
    const client = new Headers({
      authorization: "Bearer client-key",
      "content-type": "application/json",
      "openai-organization": "org-1",
      "cache-control": "no-store",
      "x-reflex-ttl": "60",
      connection: "keep-alive",
      "accept-encoding": "gzip",
      "x-request-id": "r1",
    });
    const headers = upstreamRequestHeaders(client, "Bearer gateway-key");
    expect(headers.get("authorization")).toBe("Bearer gateway-key");
    expect(headers.get("content-type")).toBe("application/json");
    expect(headers.get("openai-organization")).toBe("org-1");
    for (const name of ["cache-control", "x-reflex-ttl", "connection", "accept-encoding", "x-request-id"]) {
      expect(headers.has(name)).toBe(false);
    }
    expect(upstreamRequestHeaders(client, undefined).has("authorization")).toBe(false);
  });

  test("the client gets the upstream's headers without the body's encoding and length", () => {
    const headers = clientResponseHeaders(
      new Headers({
        "content-type": "application/json",
        "content-encoding": "gzip",
        "content-length": "12",
        "x-ratelimit-remaining-requests": "99",
      }),
    );
    expect(headers.get("content-type")).toBe("application/json");
    expect(headers.get("x-ratelimit-remaining-requests")).toBe("99");
    expect(headers.has("content-encoding")).toBe(false);
    expect(headers.has("content-length")).toBe(false);
  });
});
