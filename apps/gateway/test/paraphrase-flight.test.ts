// Paraphrases in flight through the official SDK: a paraphrase that misses while another is on
// its way upstream (same tenant and context) shares that call; another context never does.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { DEFAULT_SEMANTIC_CONFIG } from "../src/semantic/semantic-config.ts";
import { type Harness, startHarness } from "./gateway-harness.ts";
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

/** Polls `condition` every 10 ms, at most 1,000 times; true once it holds. */
async function eventually(condition: () => boolean | Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 1_000; i++) {
    if (await condition()) return true;
    await Bun.sleep(10);
  }
  return false;
}

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
      semantic: { ...DEFAULT_SEMANTIC_CONFIG, embeddingModel: "fake-embed", rerankUrl: `${h.upstream.baseUrl}/rerank` },
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
