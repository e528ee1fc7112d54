// L2 through the official SDK: paraphrases are semantic hits within one context of one
// tenant, and never across models, system prompts, tools, response formats or tenants; a
// paraphrase that misses while another is in flight shares its upstream call.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type OpenAI from "openai";
import { DEFAULT_SEMANTIC_CONFIG } from "../src/semantic/semantic-config.ts";
import { eventually, type Harness, startHarness } from "./gateway-harness.ts";
import { PARAPHRASES } from "./paraphrases.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ semantic: { ...DEFAULT_SEMANTIC_CONFIG, embeddingModel: "fake-embed" } });
});
afterAll(async () => {
  await h.stop();
});

const MODEL = "fake-model";
const [CAPITAL, CAPITAL_2, CAPITAL_3] = PARAPHRASES.capital.texts;
const user = (content: string) => [{ role: "user" as const, content }];
type Params = OpenAI.ChatCompletionCreateParamsNonStreaming;

/** Asks `first` with `key` (a miss, stored with its embedding), then `second`; returns the second answer. */
async function askTwice(key: string, first: Params, second: Params) {
  const client = h.client(key);
  const miss = await client.chat.completions.create(first).withResponse();
  expect(miss.response.headers.get("x-reflex-cache")).toBe("miss");
  await h.settled();
  const before = (await h.upstream.calls()).chat;
  const again = await client.chat.completions.create(second).withResponse();
  const called = (await h.upstream.calls()).chat - before;
  return { miss, again, called };
}

describe("L2: semantic hits through the official SDK", () => {
  test("a paraphrase is a semantic hit: the stored answer, no upstream call, the similarity in a header", async () => {
    const base = { model: MODEL, temperature: 0 };
    const { miss, again, called } = await askTwice(
      "sk-sem-paraphrase",
      { ...base, messages: user(CAPITAL) },
      { ...base, messages: user(CAPITAL_2) },
    );
    expect(again.response.headers.get("x-reflex-cache")).toBe("hit");
    expect(again.response.headers.get("x-reflex-tier")).toBe("semantic");
    expect(Number(again.response.headers.get("x-reflex-similarity"))).toBeGreaterThanOrEqual(0.95);
    expect(again.response.headers.get("x-reflex-entry")).toBe(miss.response.headers.get("x-reflex-entry"));
    expect(again.data.choices[0]?.message.content).toBe(`answer 1 to ${CAPITAL}`);
    expect(called).toBe(0);
    expect(h.gateway.deps.metrics.requests("chat.completions", "hit", "semantic")).toBeGreaterThanOrEqual(1);
  });

  test("a streamed paraphrase replays the stored answer as SSE, with usage", async () => {
    const [first, second] = PARAPHRASES.haiku.texts;
    const client = h.client("sk-sem-stream");
    const original = await client.chat.completions.create({ model: MODEL, temperature: 0, messages: user(first) });
    await h.settled();
    const before = (await h.upstream.calls()).chat;
    const replay = await client.chat.completions
      .create({
        model: MODEL,
        temperature: 0,
        messages: user(second),
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    expect(replay.response.headers.get("x-reflex-tier")).toBe("semantic");
    expect(replay.response.headers.get("content-type")).toStartWith("text/event-stream");
    let content = "";
    let usage: unknown;
    for await (const chunk of replay.data) {
      content += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(content).toBe(original.choices[0]?.message.content as string);
    expect(usage).toEqual(original.usage);
    const final = await client.chat.completions
      .stream({ model: MODEL, temperature: 0, messages: user(PARAPHRASES.haiku.texts[2]) })
      .finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe(original.choices[0]?.message.content as string);
    expect((await h.upstream.calls()).chat).toBe(before);
  });

  test("an unrelated prompt is a miss that reports the nearest similarity", async () => {
    const base = { model: MODEL, temperature: 0 };
    const { again, called } = await askTwice(
      "sk-sem-unrelated",
      { ...base, messages: user(CAPITAL) },
      { ...base, messages: user("Explain how a refrigerator keeps food cold.") },
    );
    expect(again.response.headers.get("x-reflex-cache")).toBe("miss");
    expect(Number(again.response.headers.get("x-reflex-nearest"))).toBeLessThan(0.5);
    expect(called).toBe(1);
  });

  test("the same paraphrase with another model, system prompt, tool set, response format or n is a miss", async () => {
    const base = { model: MODEL, temperature: 0, messages: user(CAPITAL) };
    const tool = (name: string) => [
      { type: "function" as const, function: { name, parameters: { type: "object", properties: {} } } },
    ];
    const variants: [Params, Params][] = [
      [base, { ...base, model: "fake-model-2", messages: user(CAPITAL_2) }],
      [
        { ...base, messages: [{ role: "system", content: "Answer in French." }, ...user(CAPITAL)] },
        { ...base, messages: [{ role: "system", content: "Answer in German." }, ...user(CAPITAL_2)] },
      ],
      [
        { ...base, tools: tool("geo") },
        { ...base, messages: user(CAPITAL_2), tools: tool("maps") },
      ],
      [
        { ...base, response_format: { type: "json_object" } },
        { ...base, messages: user(CAPITAL_2), response_format: { type: "text" } },
      ],
      [base, { ...base, messages: user(CAPITAL_2), n: 2 }],
    ];
    for (const [i, [first, second]] of variants.entries()) {
      const { again, called } = await askTwice(`sk-sem-context-${i}`, first, second);
      expect(again.response.headers.get("x-reflex-cache")).toBe("miss");
      expect(called).toBe(1);
    }
  });

  test("another tenant never hits, neither the paraphrase nor the very same text", async () => {
    const base = { model: MODEL, temperature: 0 };
    await h.client("sk-sem-owner").chat.completions.create({ ...base, messages: user(CAPITAL) });
    await h.settled();
    for (const [i, text] of [CAPITAL_2, CAPITAL].entries()) {
      const other = h.client(`sk-sem-intruder-${i}`);
      const before = (await h.upstream.calls()).chat;
      const answer = await other.chat.completions.create({ ...base, messages: user(text) }).withResponse();
      expect(answer.response.headers.get("x-reflex-cache")).toBe("miss");
      expect((await h.upstream.calls()).chat).toBe(before + 1);
      await h.settled();
    }
  });

  test("per-request thresholds: lowered within the floor, 0 and X-Reflex-Semantic: off are exact-only", async () => {
    const [tall, elevation] = PARAPHRASES.near.texts;
    const client = h.client("sk-sem-threshold");
    const base = { model: MODEL, temperature: 0 };
    await client.chat.completions.create({ ...base, messages: user(tall) });
    await h.settled();
    const ask = (headers: Record<string, string>) =>
      client.chat.completions.create({ ...base, messages: user(elevation) }, { headers }).withResponse();
    const byDefault = await ask({});
    expect(byDefault.response.headers.get("x-reflex-cache")).toBe("miss");
    const nearest = Number(byDefault.response.headers.get("x-reflex-nearest"));
    expect(nearest).toBeGreaterThan(0.85);
    expect(nearest).toBeLessThan(0.95);
    await h.settled();
    const [pasta, italian] = PARAPHRASES.related.texts;
    await client.chat.completions.create({ ...base, messages: user(pasta) });
    await h.settled();
    const clamped = await client.chat.completions
      .create({ ...base, messages: user(italian) }, { headers: { "X-Reflex-Min-Similarity": "0.5" } })
      .withResponse();
    expect(clamped.response.headers.get("x-reflex-cache")).toBe("miss"); // 0.5 was raised to the 0.85 floor
    expect(Number(clamped.response.headers.get("x-reflex-nearest"))).toBeLessThan(0.85);
    const [, capital2, capital3] = PARAPHRASES.capital.texts;
    await client.chat.completions.create({ ...base, messages: user(capital2) });
    await h.settled();
    // no-store: the first exact-only answer is not stored, so the second is not an exact hit.
    for (const control of [{ "X-Reflex-Min-Similarity": "0" }, { "X-Reflex-Semantic": "off" }]) {
      const headers = { ...control, "Cache-Control": "no-store" };
      const off = await client.chat.completions
        .create({ ...base, messages: user(capital3) }, { headers })
        .withResponse();
      expect(off.response.headers.get("x-reflex-cache")).toBe("miss");
      expect(off.response.headers.get("x-reflex-nearest")).toBeNull();
    }
    const bad = await client.chat.completions
      .create({ ...base, messages: user("anything") }, { headers: { "X-Reflex-Min-Similarity": "high" } })
      .catch((error: unknown) => error);
    expect((bad as { status?: number }).status).toBe(400);
  });

  test("a lowered threshold (within the floor) turns a near paraphrase into a hit", async () => {
    const [tall, elevation] = PARAPHRASES.near.texts;
    const client = h.client("sk-sem-lowered");
    const base = { model: MODEL, temperature: 0 };
    await client.chat.completions.create({ ...base, messages: user(tall) });
    await h.settled();
    const hit = await client.chat.completions
      .create({ ...base, messages: user(elevation) }, { headers: { "X-Reflex-Min-Similarity": "0.86" } })
      .withResponse();
    expect(hit.response.headers.get("x-reflex-tier")).toBe("semantic");
    expect(Number(hit.response.headers.get("x-reflex-similarity"))).toBeLessThan(0.95);
    expect(hit.data.choices[0]?.message.content).toEndWith(` to ${tall}`);
  });

  test("the gateway's embeddings are cached per tenant: the same text in another context costs no call", async () => {
    const client = h.client("sk-sem-embed-cache");
    const text = "How many moons does Jupiter have?";
    await client.chat.completions.create({ model: MODEL, temperature: 0, messages: user(text) });
    await h.settled();
    const before = await h.upstream.calls();
    const cacheHits = h.gateway.deps.metrics.semantic.embeddingCache.hit;
    await client.chat.completions.create({ model: "fake-model-2", temperature: 0, messages: user(text) });
    await h.settled();
    const after = await h.upstream.calls();
    expect(after.embeddings).toBe(before.embeddings);
    expect(after.chat).toBe(before.chat + 1);
    expect(h.gateway.deps.metrics.semantic.embeddingCache.hit).toBe(cacheHits + 1);
    // Another tenant's same text is embedded again: its embedding cache is its own.
    await h
      .client("sk-sem-embed-other")
      .chat.completions.create({ model: MODEL, temperature: 0, messages: user(text) });
    expect((await h.upstream.calls()).embeddings).toBe(before.embeddings + 1);
    expect((await h.upstream.calls()).lastEmbeddingAuthorization).toBe("Bearer sk-sem-embed-other");
  });

  test("a no-cache request still stores its answer with its embedding: a later paraphrase hits it", async () => {
    const client = h.client("sk-sem-no-cache");
    const base = { model: MODEL, temperature: 0 };
    const fresh = await client.chat.completions
      .create({ ...base, messages: user(CAPITAL_3) }, { headers: { "Cache-Control": "no-cache" } })
      .withResponse();
    expect(fresh.response.headers.get("x-reflex-cache")).toBe("bypass");
    await h.settled();
    const hit = await client.chat.completions.create({ ...base, messages: user(CAPITAL) }).withResponse();
    expect(hit.response.headers.get("x-reflex-tier")).toBe("semantic");
  });
});

describe("paraphrases in flight", () => {
  test("a paraphrase that misses while another is in flight shares its upstream call; another context does not", async () => {
    const client = h.client("sk-paraphrase-flight");
    const held = (text: string | undefined) => [{ role: "user" as const, content: `[hold:para] ${text}` }];
    const before = (await h.upstream.calls()).chat;
    const joins = h.gateway.deps.metrics.joins;
    const first = client.chat.completions
      .create({ model: MODEL, temperature: 0, messages: held(CAPITAL) })
      .withResponse();
    expect(await eventually(async () => (await h.upstream.calls()).chat === before + 1)).toBe(true);
    // A paraphrase as JSON and one as a stream join the held call; the same paraphrase for
    // another model (another context) makes its own.
    const second = client.chat.completions
      .create({ model: MODEL, temperature: 0, messages: held(CAPITAL_2) })
      .withResponse();
    const streamed = client.chat.completions
      .stream({ model: MODEL, temperature: 0, messages: held(CAPITAL_3) })
      .finalChatCompletion();
    const joined = await eventually(() => h.gateway.deps.metrics.joins >= joins + 2);
    const otherModel = client.chat.completions
      .create({ model: "fake-model-2", temperature: 0, messages: held(CAPITAL_2) })
      .withResponse();
    const ownCall = await eventually(async () => (await h.upstream.calls()).chat === before + 2);
    await h.upstream.release("para");
    const [a, b, s, other] = await Promise.all([first, second, streamed, otherModel]);
    expect(joined && ownCall).toBe(true);
    const expected = `answer 1 to [hold:para] ${CAPITAL}`;
    expect(a.data.choices[0]?.message.content).toBe(expected);
    expect(b.data.choices[0]?.message.content).toBe(expected);
    expect(s.choices[0]?.message.content).toBe(expected);
    expect(other.data.choices[0]?.message.content).toBe(`answer 1 to [hold:para] ${CAPITAL_2}`);
    expect(b.response.headers.get("x-reflex-cache")).toBe("miss");
    expect(b.response.headers.get("x-reflex-entry")).toBe(a.response.headers.get("x-reflex-entry"));
    expect(Number(b.response.headers.get("x-reflex-similarity"))).toBeGreaterThanOrEqual(0.95);
    expect(other.response.headers.get("x-reflex-similarity")).toBeNull();
    expect((await h.upstream.calls()).chat).toBe(before + 2);
    await h.settled();
    expect(h.gateway.deps.semantic?.paraphrases?.scopes).toBe(0);
    // Once stored, the paraphrase is an ordinary semantic hit of the answer the call stored.
    const later = await client.chat.completions
      .create({ model: MODEL, temperature: 0, messages: held(CAPITAL_2) })
      .withResponse();
    expect(later.response.headers.get("x-reflex-tier")).toBe("semantic");
    expect(later.data.choices[0]?.message.content).toBe(expected);
  });

  test("with a verifier (L3) a paraphrase in flight is not joined: each is verified on its own", async () => {
    const verified = await startHarness(
      {
        semantic: {
          ...DEFAULT_SEMANTIC_CONFIG,
          embeddingModel: "fake-embed",
          rerankUrl: `${h.upstream.baseUrl}/rerank`,
        },
      },
      h.upstream,
    );
    try {
      const client = verified.client("sk-paraphrase-verified");
      const held = (text: string | undefined) => [{ role: "user" as const, content: `[hold:paraverified] ${text}` }];
      const before = (await h.upstream.calls()).chat;
      const first = client.chat.completions.create({ model: MODEL, temperature: 0, messages: held(CAPITAL) });
      expect(await eventually(async () => (await h.upstream.calls()).chat === before + 1)).toBe(true);
      const second = client.chat.completions.create({ model: MODEL, temperature: 0, messages: held(CAPITAL_2) });
      const ownCall = await eventually(async () => (await h.upstream.calls()).chat === before + 2);
      await h.upstream.release("paraverified");
      const [a, b] = await Promise.all([first, second]);
      expect(ownCall).toBe(true);
      expect(a.choices[0]?.message.content).toBe(`answer 1 to [hold:paraverified] ${CAPITAL}`);
      expect(b.choices[0]?.message.content).toBe(`answer 1 to [hold:paraverified] ${CAPITAL_2}`);
    } finally {
      await verified.stop();
    }
  });
});
