import { afterAll, describe, expect, test } from "bun:test";
import { isGatewayError } from "../gateway-error.ts";
import { RerankVerifier } from "./rerank-verifier.ts";

let seen: unknown;
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    seen = { body: await request.json(), authorization: request.headers.get("authorization") };
    const path = new URL(request.url).pathname;
    if (path === "/tei") return Response.json([{ index: 0, score: 0.3 }]);
    if (path === "/short") return Response.json({ results: [{ index: 0, relevance_score: 0.9 }] });
    if (path === "/error") return new Response("no", { status: 500 });
    return Response.json({
      results: [
        { index: 1, relevance_score: 0.2 },
        { index: 0, relevance_score: 0.8 },
      ],
    });
  },
});
afterAll(() => server.stop(true));

const verifier = (path: string, key?: string) =>
  new RerankVerifier({ url: `${server.url.origin}${path}`, model: "r", key, timeoutMs: 2_000 });

describe("RerankVerifier", () => {
  test("sends query and documents, reads the scores back in the documents' order", async () => {
    expect(await verifier("/rerank", "k").scores("q", ["a", "b"])).toEqual([0.8, 0.2]);
    expect(seen).toEqual({
      body: { model: "r", query: "q", documents: ["a", "b"], top_n: 2 },
      authorization: "Bearer k",
    });
  });

  test("reads TEI's bare array answer", async () => {
    expect(await verifier("/tei").scores("q", ["a"])).toEqual([0.3]);
  });

  test("a missing document, an error status or a closed port is rerank_failed", async () => {
    for (const run of [
      () => verifier("/short").scores("q", ["a", "b"]),
      () => verifier("/error").scores("q", ["a"]),
      () =>
        new RerankVerifier({
          url: "http://127.0.0.1:1/rerank",
          model: undefined,
          key: undefined,
          timeoutMs: 500,
        }).scores("q", ["a"]),
    ]) {
      const error = await run().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isGatewayError(error, "rerank_failed")).toBe(true);
    }
  });
});
