import { expect, test } from "bun:test";
import { AIMessage } from "@langchain/core/messages";
import type { ReflexClient } from "@reflex/client";
import { CountingChatModel } from "../test/counting-model.ts";
import { serveTestClient } from "../test/real-server.ts";
import { cacheKey } from "./cache-key.ts";
import { encodeCachedValue } from "./cached-value.ts";
import { ReflexCache } from "./reflex-cache.ts";

let client: ReflexClient;
serveTestClient((served) => {
  client = served;
});

test("the second identical call is served from the store and the model is not called", async () => {
  const cache = new ReflexCache({ client, tenant: 1n });
  const model = new CountingChatModel({ responses: ["first answer", "second answer", "third answer"], cache });
  const first = await model.invoke("What is the capital of France?");
  const second = await model.invoke("What is the capital of France?");
  expect(first.content).toBe("first answer");
  expect(second.content).toBe("first answer"); // without the cache the model would say "second answer"
  expect(model.calls).toBe(1);
  const other = await model.invoke("And of Spain?");
  expect(other.content).toBe("second answer");
  expect(model.calls).toBe(2);

  // a new model object over the same server: the store, not process memory, answers
  const fresh = new CountingChatModel({ responses: ["never used"], cache: new ReflexCache({ client, tenant: 1n }) });
  expect((await fresh.invoke("What is the capital of France?")).content).toBe("first answer");
  expect(fresh.calls).toBe(0);
  // another tenant does not see tenant 1's entries
  const tenant2 = new CountingChatModel({ responses: ["tenant two"], cache: new ReflexCache({ client, tenant: 2n }) });
  expect((await tenant2.invoke("What is the capital of France?")).content).toBe("tenant two");
  expect(tenant2.calls).toBe(1);
});

test("lookup and update round-trip generations with their messages; a miss is null", async () => {
  const cache = new ReflexCache({ client, tenant: 3n });
  expect(await cache.lookup("p", "llm")).toBeNull();
  await cache.update("p", "llm", [{ text: "hi", message: new AIMessage("hi") } as never, { text: "plain" }]);
  const found = await cache.lookup("p", "llm");
  expect(found?.map((g) => g.text)).toEqual(["hi", "plain"]);
  expect((found?.[0] as { message?: AIMessage } | undefined)?.message?.content).toBe("hi");
  expect(await cache.lookup("p", "another llm")).toBeNull();
});

test("an entry under the key with another full key (a collision) is a miss, not its answer", async () => {
  const cache = new ReflexCache({ client, tenant: 4n });
  // what a colliding pair would leave at the key of ("mine", "llm")
  await client.put(4n, cacheKey("mine", "llm"), {
    payloadBlob: encodeCachedValue("someone else's prompt", "llm", [{ text: "wrong answer" }]),
  });
  expect(await cache.lookup("mine", "llm")).toBeNull();
  await client.put(4n, cacheKey("mine", "llm"), { payloadBlob: new TextEncoder().encode("not json") });
  expect(await cache.lookup("mine", "llm")).toBeNull();
});

test("ttlSeconds gives the entries an expiry", async () => {
  const cache = new ReflexCache({ client, tenant: 5n, ttlSeconds: 3600 });
  const before = BigInt(Math.floor(Date.now() / 1000));
  await cache.update("p", "llm", [{ text: "t" }]);
  const entry = await client.get(5n, cacheKey("p", "llm"));
  expect(entry?.expiresAt).toBeGreaterThanOrEqual(before + 3600n);
  await new ReflexCache({ client, tenant: 5n }).update("q", "llm", [{ text: "t" }]);
  expect((await client.get(5n, cacheKey("q", "llm")))?.expiresAt).toBe(0n);
});
