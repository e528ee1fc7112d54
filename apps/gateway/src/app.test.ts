import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NvmeStorage } from "@reflex/core";
import { silentLogger, TokenSet } from "@reflex/server";
import { HttpMetrics } from "@reflex/stats";
import { createGatewayApp } from "./app.ts";
import { ExactCache } from "./cache/exact-cache.ts";
import { SingleFlight } from "./cache/single-flight.ts";
import type { GatewayDeps } from "./gateway-deps.ts";
import { GatewayMetrics } from "./observe/gateway-metrics.ts";
import { passThroughTenancy, type Tenancy, tokenFileTenancy } from "./tenancy/tenancy.ts";
import { UpstreamClient } from "./upstream/upstream-client.ts";

// An in-process stand-in for the provider that echoes what reached it (a few routes only).
const seen: { authorization: string | null; body: string }[] = [];
const provider = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    const body = await request.text();
    seen.push({ authorization: request.headers.get("authorization"), body });
    if (body.includes("[slow]")) await Bun.sleep(1_000);
    return Response.json({
      id: "c",
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    });
  },
});
const root = mkdtempSync(join(tmpdir(), "reflex-gateway-app-"));
const store = new NvmeStorage(root);
afterAll(async () => {
  await provider.stop(true);
  store.close();
  rmSync(root, { recursive: true, force: true });
});

const secret = new TextEncoder().encode("unit test secret, sixteen+ chars");

function makeApp(overrides: Partial<GatewayDeps> = {}) {
  const metrics = new GatewayMetrics();
  const deps: GatewayDeps = {
    tenancy: passThroughTenancy({ secret, allowAnonymous: false }),
    upstream: new UpstreamClient({ baseUrl: `${provider.url.origin}/v1`, timeoutMs: 5_000 }),
    cache: new ExactCache(store, { onStoreError: (_e, operation) => metrics.storeError(operation) }),
    flights: new SingleFlight(),
    metrics,
    policy: { cacheSampled: true, defaultTtlSeconds: undefined, maxBodyBytes: 1024 * 1024 },
    logger: silentLogger,
    http: new HttpMetrics(),
    ...overrides,
  };
  return { app: createGatewayApp(deps), deps };
}

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  new Request(`http://gateway${path}`, {
    method: "POST",
    body,
    headers: { authorization: "Bearer sk-unit", "content-type": "application/json", ...headers },
  });

async function expectOpenAiError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { message: string; type: string; code: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message).toBeString();
  expect(body.error.type).toBeString();
  expect(response.headers.get("x-request-id")).toBeString();
}

describe("bad input", () => {
  const { app } = makeApp();

  test("not JSON, missing model, messages not an array: 400 in OpenAI's shape", async () => {
    await expectOpenAiError(await app.request(post("/v1/chat/completions", "{not json")), 400, "invalid_json");
    await expectOpenAiError(await app.request(post("/v1/chat/completions", '{"messages":[]}')), 400, "invalid_request");
    await expectOpenAiError(
      await app.request(post("/v1/chat/completions", '{"model":"m","messages":"hi"}')),
      400,
      "invalid_request",
    );
    await expectOpenAiError(await app.request(post("/v1/embeddings", '{"model":"e"}')), 400, "invalid_request");
  });

  test("a body over the limit is 413, and the app still answers afterwards", async () => {
    const big = JSON.stringify({ model: "m", messages: [{ role: "user", content: "x".repeat(20 * 1024 * 1024) }] });
    await expectOpenAiError(await app.request(post("/v1/chat/completions", big)), 413, "body_too_large");
    const ok = await app.request(post("/v1/chat/completions", '{"model":"m","messages":[],"temperature":0}'));
    expect(ok.status).toBe(200);
  });

  test("a malformed X-Reflex-TTL is 400", async () => {
    const response = await app.request(
      post("/v1/chat/completions", '{"model":"m","messages":[]}', { "x-reflex-ttl": "soon" }),
    );
    await expectOpenAiError(response, 400, "invalid_header");
  });

  test("no credential is 401; an unknown route is 404", async () => {
    const anonymous = new Request("http://gateway/v1/chat/completions", { method: "POST", body: "{}" });
    await expectOpenAiError(await app.request(anonymous), 401, "missing_credentials");
    await expectOpenAiError(await app.request(new Request("http://gateway/nowhere")), 404, "not_found");
  });
});

describe("policy and tenancy", () => {
  test("--no-cache-sampled: a request with temperature > 0 or none is a bypass and never stored", async () => {
    const { app, deps } = makeApp({
      policy: { cacheSampled: false, defaultTtlSeconds: undefined, maxBodyBytes: 1024 * 1024 },
    });
    for (const body of [
      '{"model":"m","messages":[{"role":"user","content":"s1"}],"temperature":0.8}',
      '{"model":"m","messages":[{"role":"user","content":"s2"}]}',
    ]) {
      for (let i = 0; i < 2; i++) {
        const response = await app.request(post("/v1/chat/completions", body));
        expect(response.headers.get("x-reflex-cache")).toBe("bypass");
        await new Promise((resolve) => setImmediate(resolve));
        await deps.cache.settled();
      }
    }
    expect(deps.metrics.storedAnswers).toBe(0);
    const greedy = '{"model":"m","messages":[{"role":"user","content":"g"}],"temperature":0}';
    expect((await app.request(post("/v1/chat/completions", greedy))).headers.get("x-reflex-cache")).toBe("miss");
  });

  test("token-file mode: the gateway token picks the tenant and the upstream gets the gateway's key", async () => {
    const tokens = TokenSet.fromJson({ tokens: [{ name: "app", token: "gateway-token-0001", tenants: ["42"] }] });
    const tenancy: Tenancy = tokenFileTenancy({ tokens, upstreamKey: "sk-upstream-only", allowAnonymous: false });
    const { app, deps } = makeApp({ tenancy });
    const body = '{"model":"m","messages":[{"role":"user","content":"token file"}],"temperature":0}';
    const response = await app.request(
      post("/v1/chat/completions", body, { authorization: "Bearer gateway-token-0001" }),
    );
    expect(response.status).toBe(200);
    expect(seen.at(-1)?.authorization).toBe("Bearer sk-upstream-only");
    await new Promise((resolve) => setImmediate(resolve));
    await deps.cache.settled();
    expect(await store.listEntries(42n)).toHaveLength(1);
    await expectOpenAiError(
      await app.request(post("/v1/chat/completions", body, { authorization: "Bearer not-a-gateway-token" })),
      401,
      "invalid_credentials",
    );
  });

  test("/healthz and /metrics answer", async () => {
    const { app } = makeApp();
    expect(await (await app.request("/healthz")).json()).toEqual({ status: "ok" });
    const metrics = await app.request("/metrics");
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    expect(await metrics.text()).toContain("reflex_gateway_requests_total");
  });
});

describe("upstream failures", () => {
  test("an unreachable upstream is 502 and a slow one 504, in OpenAI's shape", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const port = closed.port;
    await closed.stop(true);
    const unreachable = makeApp({
      upstream: new UpstreamClient({ baseUrl: `http://127.0.0.1:${port}/v1`, timeoutMs: 5_000 }),
    }).app;
    const body = '{"model":"m","messages":[{"role":"user","content":"[slow]"}],"temperature":0}';
    await expectOpenAiError(await unreachable.request(post("/v1/chat/completions", body)), 502, "upstream_unreachable");
    const slow = makeApp({
      upstream: new UpstreamClient({ baseUrl: `${provider.url.origin}/v1`, timeoutMs: 100 }),
    }).app;
    await expectOpenAiError(await slow.request(post("/v1/chat/completions", body)), 504, "upstream_timeout");
  });
});
