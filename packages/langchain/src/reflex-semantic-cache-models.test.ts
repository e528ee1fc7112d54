// Twenty models' near-identical prompts in one tenant: the semantic cache finds each model's own
// answer every time, because its search is scoped to the llmString's context hash (before, it
// asked for 5 hits and filtered, and lost the right one behind more than 5 closer ones).
import { expect, test } from "bun:test";
import type { ReflexClient } from "@reflex/client";
import { serveTestClient } from "../test/real-server.ts";
import { TableEmbeddings } from "../test/table-embeddings.ts";
import { encodeF16 } from "./f16.ts";
import { ReflexSemanticCache } from "./reflex-semantic-cache.ts";

const MODELS = Array.from({ length: 20 }, (_, i) => `model-${i}`);
const QUESTION = "What is the capital of France?";
// Model i stored a prompt whose embedding leans a little toward dimension i: all 20 are within
// cosine 0.999 of the query, and the query is closer to every other model's prompt than to
// some models' own, so a top-5 search of the whole tenant misses most models' answers.
const promptOf = (i: number) => `${QUESTION} (asked of model ${i})`;
const vectorOf = (i: number) =>
  Array.from({ length: 24 }, (_, d) => (d === 0 ? 1 : d === i + 1 ? 0.02 + i * 0.001 : 0));
const embeddings = new TableEmbeddings(
  new Map<string, number[]>([
    ...MODELS.map((_, i) => [promptOf(i), vectorOf(i)] as [string, number[]]),
    [QUESTION, vectorOf(-1)],
  ]),
);

let client: ReflexClient;
serveTestClient((served) => {
  client = served;
});

test("20 models' near-identical prompts in one tenant: each lookup answers its own model's generation", async () => {
  const cache = new ReflexSemanticCache({ client, tenant: 77n, embeddings, minSimilarity: 0.99 });
  for (const [i, model] of MODELS.entries()) await cache.update(promptOf(i), model, [{ text: `answer of ${model}` }]);
  // The whole tenant's 5 best hits hold 5 models only: the old filter-after-search missed the other 15.
  const unscoped = await client.search(77n, { embedding: encodeF16(vectorOf(-1)), k: 5, minSimilarity: 0.99 });
  expect(unscoped.length).toBe(5);
  for (let round = 0; round < 3; round++) {
    for (const model of MODELS) {
      expect((await cache.lookup(QUESTION, model))?.map((g) => g.text)).toEqual([`answer of ${model}`]);
    }
  }
  expect(await cache.lookup(QUESTION, "model-unknown")).toBeNull();
});
