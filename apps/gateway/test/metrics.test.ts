// The gateway's /metrics as Prometheus reads it (promtool), and a store that refuses writes:
// every answer still arrives, and each refused write is counted.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { NvmeStorage } from "@reflex/core";
import { silentLogger } from "@reflex/server";
import { promtoolCheck, removeTempDirs, tempDir } from "@reflex/testkit";
import OpenAI from "openai";
import { startGateway } from "../src/server.ts";
import { type FakeUpstream, startFakeUpstream } from "./fake-upstream-process.ts";
import { type Harness, harnessConfig, startHarness, uniqueText } from "./gateway-harness.ts";

let upstream: FakeUpstream;
let h: Harness;
beforeAll(async () => {
  upstream = await startFakeUpstream();
  h = await startHarness({}, upstream);
});
afterAll(async () => {
  await h.stop();
  await upstream.stop();
});
afterEach(removeTempDirs);

const MODEL = "fake-model";

function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("/metrics", () => {
  test("after hits, misses, streams, embeddings, errors and a pass-through, promtool accepts it", async () => {
    const client = h.client();
    const messages = [{ role: "user" as const, content: uniqueText("metrics") }];
    await client.chat.completions.create({ model: MODEL, messages, temperature: 0 });
    await h.settled();
    await client.chat.completions.create({ model: MODEL, messages, temperature: 0 });
    const stream = await client.chat.completions.create({ model: MODEL, messages, temperature: 0, stream: true });
    for await (const _chunk of stream) {
      // drain the replayed stream
    }
    await client.embeddings.create({ model: "fake-embed", input: uniqueText("embed") });
    await client.models.list();
    const failed = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: "user", content: "[status:429]" }] })
      .catch((error: unknown) => error);
    expect((failed as { status?: number }).status).toBe(429);
    const response = await fetch(`${h.gateway.url}/metrics`);
    expect(response.headers.get("content-type")).toStartWith("text/plain");
    const text = await response.text();
    expect(await promtoolCheck(text)).toEqual({ code: 0, output: "" });
    expect(
      sample(text, 'reflex_gateway_requests_total{endpoint="chat.completions",outcome="hit",tier="exact"}'),
    ).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'reflex_gateway_cached_tokens_total{kind="prompt"}')).toBeGreaterThan(0);
    expect(text).toContain('reflex_gateway_upstream_duration_seconds_bucket{endpoint="chat.completions",le="+Inf"}');
    expect((await promtoolCheck('# TYPE x counter\nx{a="1" 2\n')).code).not.toBe(0);
  });
});

describe("a store that refuses writes", () => {
  test("every answer still arrives (JSON and stream), and each refused write is counted", async () => {
    const root = tempDir("reflex-gateway-readonly-");
    new NvmeStorage(root).close(); // the root exists; the gateway's store only reads it
    const store = new NvmeStorage(root, { readOnly: true });
    const gateway = await startGateway(harnessConfig(upstream, root), { logger: silentLogger, store });
    try {
      const client = new OpenAI({ apiKey: "sk-readonly", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      const content = uniqueText("unstorable");
      const messages = [{ role: "user" as const, content }];
      const before = (await upstream.calls()).chat;
      const first = await client.chat.completions.create({ model: MODEL, messages, temperature: 0 }).withResponse();
      expect(first.response.status).toBe(200);
      expect(first.data.choices[0]?.message.content).toBe(`answer 1 to ${content}`);
      await new Promise((resolve) => setImmediate(resolve));
      await gateway.deps.cache.settled();
      let streamed = "";
      const stream = await client.chat.completions.create({ model: MODEL, messages, temperature: 0, stream: true });
      for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? "";
      expect(streamed).toBe(`answer 2 to ${content}`);
      await new Promise((resolve) => setImmediate(resolve));
      await gateway.deps.cache.settled();
      expect((await upstream.calls()).chat).toBe(before + 2);
      expect(gateway.deps.metrics.storeErrors).toEqual({ lookup: 0, store: 2 });
      expect(gateway.deps.metrics.storedAnswers).toBe(0);
      const text = await (await fetch(`${gateway.url}/metrics`)).text();
      expect(sample(text, 'reflex_gateway_store_errors_total{operation="store"}')).toBe(2);
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    } finally {
      await gateway.shutdown();
    }
  });
});
