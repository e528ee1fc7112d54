import { expect, test } from "bun:test";
import type { ReflexClient } from "@reflex/client";
import { CountingChatModel } from "../test/counting-model.ts";
import { serveTestClient } from "../test/real-server.ts";
import { TableEmbeddings } from "../test/table-embeddings.ts";
import { cacheKey } from "./cache-key.ts";
import { ReflexSemanticCache } from "./reflex-semantic-cache.ts";

// A chat model hands the cache its messages as text ("Human: ..."), so the table holds that form.
const PARIS = "What is the capital of France?";
const PARIS_AGAIN = "what's the capital city of France";
const EVEREST = "How tall is Mount Everest?";
const asPrompt = (text: string) => `Human: ${text}`;
const embeddings = new TableEmbeddings(
  new Map(
    [
      [PARIS, [1, 0.1, 0, 0]],
      [PARIS_AGAIN, [1, 0.12, 0.02, 0]], // cosine ~0.9998 to PARIS
      [EVEREST, [0, 0, 1, 0.3]], // cosine 0 to PARIS
    ].flatMap(([text, vector]) => [
      [text as string, vector as number[]],
      [asPrompt(text as string), vector as number[]],
    ]),
  ),
);

let client: ReflexClient;
serveTestClient((served) => {
  client = served;
});

test("a similar prompt is answered from the store; a different one calls the model", async () => {
  const cache = new ReflexSemanticCache({ client, tenant: 1n, embeddings, minSimilarity: 0.95 });
  const model = new CountingChatModel({ responses: ["Paris", "8,849 m", "unused"], cache });
  expect((await model.invoke(PARIS)).content).toBe("Paris");
  expect((await model.invoke(PARIS_AGAIN)).content).toBe("Paris");
  expect(model.calls).toBe(1);
  expect((await model.invoke(EVEREST)).content).toBe("8,849 m");
  expect(model.calls).toBe(2);
  // two entries (PARIS_AGAIN was a hit), each with its prompt's embedding as f16, under the exact key
  const { entries } = await client.batchGet(1n, (await client.list(1n)).ids);
  expect(entries.map((e) => e.entry.embedding.byteLength)).toEqual([8, 8]);
  const prompts = entries.map(
    (e) => JSON.parse(new TextDecoder().decode(e.entry.payloadBlob)) as { prompt: string; llmString: string },
  );
  expect(prompts.map((p) => p.prompt).sort()).toEqual([asPrompt(EVEREST), asPrompt(PARIS)]);
  for (const [i, p] of prompts.entries()) expect(entries[i]?.id).toBe(cacheKey(p.prompt, p.llmString));
});

test("a hit of another llmString is not an answer; a threshold above the similarity is a miss", async () => {
  const cache = new ReflexSemanticCache({ client, tenant: 2n, embeddings, minSimilarity: 0.95 });
  await cache.update(PARIS, "model-a", [{ text: "Paris from a" }]);
  expect((await cache.lookup(PARIS_AGAIN, "model-a"))?.map((g) => g.text)).toEqual(["Paris from a"]);
  expect(await cache.lookup(PARIS_AGAIN, "model-b")).toBeNull();
  expect(await cache.lookup(EVEREST, "model-a")).toBeNull();
  const strict = new ReflexSemanticCache({ client, tenant: 2n, embeddings, minSimilarity: 0.99999 });
  expect(await strict.lookup(PARIS_AGAIN, "model-a")).toBeNull();
  expect((await strict.lookup(PARIS, "model-a"))?.map((g) => g.text)).toEqual(["Paris from a"]);
});
