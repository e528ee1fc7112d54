import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { encodeCachedAnswer } from "../src/cache/cached-answer.ts";
import { canonicalRequest } from "../src/canonical/canonical-request.ts";
import { parseRequestBody } from "../src/canonical/request-body.ts";
import { keyedTenant } from "../src/tenancy/keyed-tenant.ts";
import { HARNESS_SECRET, type Harness, startHarness, uniqueText } from "./gateway-harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const MODEL = "fake-model";

describe("chat completions through the official SDK", () => {
  test("the second identical call is a hit and the upstream is not called again", async () => {
    const client = h.client();
    const messages = [{ role: "user" as const, content: uniqueText("hello") }];
    const before = (await h.upstream.calls()).chat;
    const first = await client.chat.completions.create({ model: MODEL, messages, temperature: 0 }).withResponse();
    expect(first.response.headers.get("x-reflex-cache")).toBe("miss");
    expect(first.response.headers.get("x-request-id")).toBeString();
    await h.settled();
    const second = await client.chat.completions.create({ model: MODEL, messages, temperature: 0 }).withResponse();
    expect(second.response.headers.get("x-reflex-cache")).toBe("hit");
    expect(second.response.headers.get("x-reflex-tier")).toBe("exact");
    expect(second.response.headers.get("x-reflex-entry")).toBe(first.response.headers.get("x-reflex-entry"));
    expect(Number(second.response.headers.get("age"))).toBeGreaterThanOrEqual(0);
    expect(second.response.headers.get("x-request-id")).toBeString();
    expect(second.data).toEqual(first.data);
    expect(second.data.choices[0]?.message.content).toBe(`answer 1 to ${messages[0]?.content}`);
    expect((await h.upstream.calls()).chat).toBe(before + 1);
  });

  test("two keys with the same request make two upstream calls and never share an answer", async () => {
    const messages = [{ role: "user" as const, content: uniqueText("isolation") }];
    const before = (await h.upstream.calls()).chat;
    const a = await h.client("sk-tenant-a").chat.completions.create({ model: MODEL, messages, temperature: 0 });
    await h.settled();
    const b = await h
      .client("sk-tenant-b")
      .chat.completions.create({ model: MODEL, messages, temperature: 0 })
      .withResponse();
    expect(b.response.headers.get("x-reflex-cache")).toBe("miss");
    expect(a.choices[0]?.message.content).toStartWith("answer 1 ");
    expect(b.data.choices[0]?.message.content).toStartWith("answer 2 ");
    expect((await h.upstream.calls()).chat).toBe(before + 2);
    await h.settled();
    const tenants = await h.gateway.store.listTenants();
    expect(tenants).toContain(keyedTenant(HARNESS_SECRET, "sk-tenant-a"));
    expect(tenants).toContain(keyedTenant(HARNESS_SECRET, "sk-tenant-b"));
  });

  test("another model or temperature is a miss; stream and user do not change the key", async () => {
    const client = h.client();
    const messages = [{ role: "user" as const, content: uniqueText("variants") }];
    await client.chat.completions.create({ model: MODEL, messages, temperature: 0 });
    await h.settled();
    const otherModel = await client.chat.completions
      .create({ model: "fake-model-2", messages, temperature: 0 })
      .withResponse();
    expect(otherModel.response.headers.get("x-reflex-cache")).toBe("miss");
    const otherTemperature = await client.chat.completions
      .create({ model: MODEL, messages, temperature: 0.3 })
      .withResponse();
    expect(otherTemperature.response.headers.get("x-reflex-cache")).toBe("miss");
    const withUser = await client.chat.completions
      .create({ model: MODEL, messages, temperature: 0, user: "someone", metadata: { a: "b" } })
      .withResponse();
    expect(withUser.response.headers.get("x-reflex-cache")).toBe("hit");
  });

  test("upstream 400, 429 and 500 reach the SDK with their status and are not cached", async () => {
    const client = h.client();
    for (const status of [400, 429, 500]) {
      const messages = [{ role: "user" as const, content: uniqueText(`[status:${status}]`) }];
      const before = (await h.upstream.calls()).chat;
      for (let attempt = 0; attempt < 2; attempt++) {
        let caught: unknown;
        try {
          await client.chat.completions.create({ model: MODEL, messages, temperature: 0 });
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(OpenAI.APIError);
        expect((caught as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
        expect((caught as InstanceType<typeof OpenAI.APIError>).code).toBe(`fake_${status}`);
        await h.settled();
      }
      expect((await h.upstream.calls()).chat).toBe(before + 2);
    }
  });

  test("an entry under the same id holding another request (a collision) is a miss, not its answer", async () => {
    const client = h.client("sk-collision");
    const content = uniqueText("collision");
    const body = { model: MODEL, messages: [{ role: "user", content }], temperature: 0 };
    const canonical = canonicalRequest(parseRequestBody("chat.completions", JSON.stringify(body)));
    const other = canonicalRequest(
      parseRequestBody("chat.completions", JSON.stringify({ ...body, messages: [{ role: "user", content: "other" }] })),
    );
    const planted = {
      id: "planted",
      choices: [{ index: 0, message: { role: "assistant", content: "WRONG" }, finish_reason: "stop" }],
    };
    await h.gateway.store.store(canonical.key, {
      tenantId: keyedTenant(HARNESS_SECRET, "sk-collision"),
      contextHash: 0n,
      timestamp: BigInt(Math.floor(Date.now() / 1000)),
      embedding: new Uint8Array(0),
      payloadBlob: encodeCachedAnswer(other.bytes, {
        origin: "json",
        usage: undefined,
        body: new TextEncoder().encode(JSON.stringify(planted)),
      }),
    });
    const before = (await h.upstream.calls()).chat;
    const result = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: "user", content }], temperature: 0 })
      .withResponse();
    expect(result.response.headers.get("x-reflex-cache")).toBe("miss");
    expect(result.response.headers.get("x-reflex-entry")).toBe(canonical.key.toString());
    expect(result.data.choices[0]?.message.content).toBe(`answer 1 to ${content}`);
    expect((await h.upstream.calls()).chat).toBe(before + 1);
  });

  test("an answer without finish_reason is passed on but not stored", async () => {
    const client = h.client();
    const messages = [{ role: "user" as const, content: uniqueText("[nofinish]") }];
    await client.chat.completions.create({ model: MODEL, messages, temperature: 0 });
    await h.settled();
    const again = await client.chat.completions.create({ model: MODEL, messages, temperature: 0 }).withResponse();
    expect(again.response.headers.get("x-reflex-cache")).toBe("miss");
    expect(again.data.choices[0]?.message.content).toStartWith("answer 2 ");
  });

  test("no-cache skips the lookup and stores the fresh answer; no-store stores nothing", async () => {
    const client = h.client();
    const messages = [{ role: "user" as const, content: uniqueText("controls") }];
    const noStore = await client.chat.completions
      .create({ model: MODEL, messages, temperature: 0 }, { headers: { "Cache-Control": "no-store" } })
      .withResponse();
    expect(noStore.response.headers.get("x-reflex-cache")).toBe("miss");
    await h.settled();
    const fresh = await client.chat.completions
      .create({ model: MODEL, messages, temperature: 0 }, { headers: { "Cache-Control": "no-cache" } })
      .withResponse();
    expect(fresh.response.headers.get("x-reflex-cache")).toBe("bypass");
    expect(fresh.data.choices[0]?.message.content).toStartWith("answer 2 ");
    await h.settled();
    const hit = await client.chat.completions.create({ model: MODEL, messages, temperature: 0 }).withResponse();
    expect(hit.response.headers.get("x-reflex-cache")).toBe("hit");
    expect(hit.data.choices[0]?.message.content).toStartWith("answer 2 ");
  });

  test("X-Reflex-TTL sets the stored entry's expiry", async () => {
    const client = h.client("sk-ttl");
    const content = uniqueText("ttl");
    const result = await client.chat.completions
      .create(
        { model: MODEL, messages: [{ role: "user", content }], temperature: 0 },
        { headers: { "X-Reflex-TTL": "3600" } },
      )
      .withResponse();
    await h.settled();
    const id = BigInt(result.response.headers.get("x-reflex-entry") as string);
    const handle = await h.gateway.store.load(id, keyedTenant(HARNESS_SECRET, "sk-ttl"));
    const now = BigInt(Math.floor(Date.now() / 1000));
    expect(handle.expiresAt).toBeGreaterThan(now + 3000n);
    expect(handle.expiresAt).toBeLessThanOrEqual(now + 3601n);
    handle.release();
  });
});

describe("embeddings and pass-through", () => {
  test("embeddings are cached exactly", async () => {
    const client = h.client();
    const input = [uniqueText("embed a"), uniqueText("embed b")];
    const before = (await h.upstream.calls()).embeddings;
    const first = await client.embeddings.create({ model: "fake-embed", input }).withResponse();
    expect(first.response.headers.get("x-reflex-cache")).toBe("miss");
    await h.settled();
    const second = await client.embeddings.create({ model: "fake-embed", input }).withResponse();
    expect(second.response.headers.get("x-reflex-cache")).toBe("hit");
    expect(second.data.data.map((d) => d.embedding)).toEqual(first.data.data.map((d) => d.embedding));
    expect((await h.upstream.calls()).embeddings).toBe(before + 1);
  });

  test("other /v1 routes pass through uncached with the caller's key", async () => {
    const before = await h.upstream.calls();
    const models = await h.client("sk-models").models.list();
    expect(models.data.map((m) => m.id)).toEqual(["fake-model"]);
    const after = await h.upstream.calls();
    expect(after.other).toBe(before.other + 1);
    expect(after.lastAuthorization).toBe("Bearer sk-models");
  });
});
