import { afterAll, describe, expect, test } from "bun:test";
import { isGatewayError } from "../gateway-error.ts";
import { EmbeddingsClient } from "./embeddings-client.ts";

let seen: unknown;
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    seen = {
      path: new URL(request.url).pathname,
      body: await request.json(),
      auth: request.headers.get("authorization"),
    };
    if (request.url.includes("/bad/")) return Response.json({ data: [{ embedding: ["x"] }] });
    if (request.url.includes("/slow/")) await Bun.sleep(1_000);
    return Response.json({ data: [{ embedding: [0.5, -0.25] }] });
  },
});
afterAll(() => server.stop(true));

const client = (base: string, timeoutMs = 2_000) =>
  new EmbeddingsClient({ baseUrl: `${server.url.origin}${base}`, model: "e", timeoutMs });

describe("EmbeddingsClient", () => {
  test("POSTs {model, input} to <base>/embeddings and reads the vector", async () => {
    expect(await client("/v1/").embed("hello", "Bearer k")).toEqual([0.5, -0.25]);
    expect(seen).toEqual({ path: "/v1/embeddings", body: { model: "e", input: "hello" }, auth: "Bearer k" });
  });

  test("a vector of non-numbers or a timeout is embedding_failed", async () => {
    for (const run of [
      () => client("/bad/v1").embed("x", undefined),
      () => client("/slow/v1", 100).embed("x", undefined),
    ]) {
      const error = await run().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isGatewayError(error, "embedding_failed")).toBe(true);
    }
  });
});
