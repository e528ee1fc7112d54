// The semantic families on /metrics, as Prometheus reads them (promtool).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { promtoolCheck } from "@reflex/testkit";
import { DEFAULT_SEMANTIC_CONFIG } from "../src/semantic/semantic-config.ts";
import { type Harness, startHarness } from "./gateway-harness.ts";
import { PARAPHRASES } from "./paraphrases.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    semantic: { ...DEFAULT_SEMANTIC_CONFIG, embeddingModel: "fake-embed" },
  });
});
afterAll(async () => {
  await h.stop();
});

function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("semantic /metrics", () => {
  test("hits by tier, the nearest histogram of misses, call latencies, embedding-cache hits; promtool accepts it", async () => {
    const client = h.client("sk-sem-metrics");
    const ask = (content: string, model = "fake-model") =>
      client.chat.completions.create({ model, temperature: 0, messages: [{ role: "user", content }] });
    const [near1, near2] = PARAPHRASES.near.texts;
    await ask(PARAPHRASES.capital.texts[0]);
    await h.settled();
    await ask(PARAPHRASES.capital.texts[1]); // semantic hit
    await ask(near1); // a miss whose nearest is the unrelated capital question (~0.3)
    await h.settled();
    await ask(near2); // a miss with a candidate near 0.9
    await ask(near2, "fake-model-2"); // the same text in another context: the embedding cache answers
    const text = await (await fetch(`${h.gateway.url}/metrics`)).text();
    expect(await promtoolCheck(text)).toEqual({ code: 0, output: "" });
    expect(
      sample(text, 'reflex_gateway_requests_total{endpoint="chat.completions",outcome="hit",tier="semantic"}'),
    ).toBe(1);
    expect(sample(text, 'reflex_gateway_semantic_nearest_bucket{le="0.5"}')).toBe(1);
    expect(sample(text, 'reflex_gateway_semantic_nearest_bucket{le="0.85"}')).toBe(1);
    expect(sample(text, 'reflex_gateway_semantic_nearest_bucket{le="0.95"}')).toBe(2);
    expect(sample(text, "reflex_gateway_semantic_nearest_count")).toBe(2);
    expect(sample(text, 'reflex_gateway_semantic_misses_total{reason="below_threshold"}')).toBe(2);
    expect(sample(text, 'reflex_gateway_semantic_misses_total{reason="no_candidate"}')).toBe(2);
    expect(sample(text, "reflex_gateway_embedding_duration_seconds_count")).toBe(4);
    expect(sample(text, 'reflex_gateway_embedding_cache_total{result="hit"}')).toBe(1);
    expect(text).toContain("reflex_gateway_rerank_duration_seconds_count 0");
  });
});
