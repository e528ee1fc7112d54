import { afterAll, describe, expect, test } from "bun:test";
import { isGatewayError } from "../gateway-error.ts";
import { UpstreamClient } from "./upstream-client.ts";

// A loopback stand-in for the provider, in this process: enough to see statuses and the timeout.
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/v1/slow") {
      await Bun.sleep(2_000);
      return new Response("late");
    }
    if (url.pathname === "/v1/teapot") return new Response('{"error":"short"}', { status: 418 });
    return Response.json({ path: url.pathname, query: url.search, auth: request.headers.get("authorization") });
  },
});
afterAll(() => server.stop(true));

const base = `http://127.0.0.1:${server.port}/v1/`;

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

describe("UpstreamClient", () => {
  test("sends below the base and reads the whole answer", async () => {
    const upstream = new UpstreamClient({ baseUrl: base, timeoutMs: 5_000 });
    const answer = await upstream.whole({
      method: "GET",
      path: "/models?limit=2",
      headers: new Headers({ authorization: "Bearer k" }),
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(new TextDecoder().decode(answer.body))).toEqual({
      path: "/v1/models",
      query: "?limit=2",
      auth: "Bearer k",
    });
  });

  test("an error status comes back as it is", async () => {
    const upstream = new UpstreamClient({ baseUrl: base, timeoutMs: 5_000 });
    const answer = await upstream.whole({ method: "GET", path: "/teapot", headers: new Headers() });
    expect(answer.status).toBe(418);
    expect(new TextDecoder().decode(answer.body)).toBe('{"error":"short"}');
  });

  test("no answer in time is upstream_timeout", async () => {
    const upstream = new UpstreamClient({ baseUrl: base, timeoutMs: 100 });
    const error = await failure(() => upstream.open({ method: "GET", path: "/slow", headers: new Headers() }));
    expect(isGatewayError(error, "upstream_timeout")).toBe(true);
  });

  test("a closed port is upstream_unreachable", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const port = closed.port;
    await closed.stop(true);
    const upstream = new UpstreamClient({ baseUrl: `http://127.0.0.1:${port}/v1`, timeoutMs: 5_000 });
    const error = await failure(() => upstream.whole({ method: "GET", path: "/models", headers: new Headers() }));
    expect(isGatewayError(error, "upstream_unreachable")).toBe(true);
  });
});
