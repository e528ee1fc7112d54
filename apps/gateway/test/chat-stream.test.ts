import { afterAll, beforeAll, describe, expect, test } from "bun:test";
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
const TOOLS = [
  {
    type: "function" as const,
    function: { name: "lookup", description: "d", parameters: { type: "object", properties: {} } },
  },
];

/** Polls `condition` every 10 ms, at most 500 times; true once it holds. */
async function eventually(condition: () => boolean | Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return true;
    await Bun.sleep(10);
  }
  return false;
}

describe("streaming through the official SDK", () => {
  test("a stream miss is recorded; the stream hit assembles into the same message, with usage", async () => {
    const client = h.client();
    const messages = [{ role: "user" as const, content: uniqueText("stream text please") }];
    const params = { model: MODEL, messages, temperature: 0, stream_options: { include_usage: true } };
    const before = (await h.upstream.calls()).chat;
    const miss = await client.chat.completions.create({ ...params, stream: true }).withResponse();
    expect(miss.response.headers.get("x-reflex-cache")).toBe("miss");
    expect(miss.response.headers.get("content-type")).toStartWith("text/event-stream");
    let content = "";
    for await (const chunk of miss.data) content += chunk.choices[0]?.delta.content ?? "";
    expect(content).toBe(`answer 1 to ${messages[0]?.content}`);
    await h.settled();
    const hits = h.gateway.deps.metrics.requests("chat.completions", "hit");
    const final = await client.chat.completions.stream(params).finalChatCompletion();
    expect(h.gateway.deps.metrics.requests("chat.completions", "hit")).toBe(hits + 1);
    expect(final.choices[0]?.message.content).toBe(content);
    expect(final.choices[0]?.finish_reason).toBe("stop");
    expect(final.usage?.completion_tokens).toBe(content.split(" ").length);
    expect((await h.upstream.calls()).chat).toBe(before + 1);
  });

  test("an entry recorded from a stream answers a non-stream request, and the other way round", async () => {
    const client = h.client();
    const streamed = [{ role: "user" as const, content: uniqueText("recorded as a stream") }];
    const recorded = await client.chat.completions
      .stream({ model: MODEL, messages: streamed, temperature: 0 })
      .finalChatCompletion();
    await h.settled();
    const asJson = await client.chat.completions
      .create({ model: MODEL, messages: streamed, temperature: 0 })
      .withResponse();
    expect(asJson.response.headers.get("x-reflex-cache")).toBe("hit");
    expect(asJson.data.choices[0]?.message.content).toBe(recorded.choices[0]?.message.content as string);
    expect(asJson.data.id).toBe(recorded.id);

    const json = [{ role: "user" as const, content: uniqueText("recorded as json") }];
    const original = await client.chat.completions.create({ model: MODEL, messages: json, temperature: 0 });
    await h.settled();
    const replay = await client.chat.completions
      .create({ model: MODEL, messages: json, temperature: 0, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    expect(replay.response.headers.get("x-reflex-cache")).toBe("hit");
    let content = "";
    let usage: unknown;
    for await (const chunk of replay.data) {
      content += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(content).toBe(original.choices[0]?.message.content as string);
    expect(usage).toEqual(original.usage);
  });

  test("tool calls: streamed, stored and replayed into the same tool call", async () => {
    const client = h.client();
    const messages = [{ role: "user" as const, content: uniqueText("call a tool") }];
    const params = { model: MODEL, messages, temperature: 0, tools: TOOLS };
    const before = (await h.upstream.calls()).chat;
    const first = await client.chat.completions.stream(params).finalChatCompletion();
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" ? call.function.name : undefined).toBe("lookup");
    await h.settled();
    const second = await client.chat.completions.stream(params).finalChatCompletion();
    expect(second.choices[0]?.message.tool_calls).toEqual(first.choices[0]?.message.tool_calls as never);
    expect(second.choices[0]?.finish_reason).toBe("tool_calls");
    const asJson = await client.chat.completions.create(params);
    expect(asJson.choices[0]?.message.tool_calls).toEqual(first.choices[0]?.message.tool_calls as never);
    expect((await h.upstream.calls()).chat).toBe(before + 1);
  });

  test("bytes are forwarded as they arrive: the first chunk is read while the upstream still holds the rest", async () => {
    const client = h.client();
    const messages = [{ role: "user" as const, content: uniqueText("[hold:firstbyte] early bytes") }];
    const stream = await client.chat.completions.create({ model: MODEL, messages, temperature: 0, stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    expect(first.value?.choices[0]?.delta.role).toBe("assistant");
    await h.upstream.release("firstbyte");
    let rest = "";
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      rest += next.value.choices[0]?.delta.content ?? "";
    }
    expect(rest).toBe(`answer 1 to ${messages[0]?.content}`);
  });

  test("a stream cut by the upstream reaches the client as an error and stores nothing", async () => {
    const client = h.client("sk-cut");
    const messages = [{ role: "user" as const, content: uniqueText("[cut:2] cut me off") }];
    const cuts = h.gateway.deps.metrics.abandonedStreams.cut;
    let caught: unknown;
    try {
      const stream = await client.chat.completions.create({ model: MODEL, messages, temperature: 0, stream: true });
      for await (const _chunk of stream) {
        // reading until the cut
      }
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect(await eventually(() => h.gateway.deps.metrics.abandonedStreams.cut > cuts)).toBe(true);
    await h.settled();
    expect(await h.gateway.store.listEntries(keyedTenant(HARNESS_SECRET, "sk-cut"))).toEqual([]);
  });

  test("a client that disconnects mid-stream leaves nothing stored", async () => {
    const client = h.client("sk-gone");
    const messages = [{ role: "user" as const, content: uniqueText("[hold:gone] I will leave early") }];
    const gone = h.gateway.deps.metrics.abandonedStreams.client_gone;
    const stream = await client.chat.completions.create({ model: MODEL, messages, temperature: 0, stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    stream.controller.abort();
    expect(await eventually(() => h.gateway.deps.metrics.abandonedStreams.client_gone > gone)).toBe(true);
    await h.upstream.release("gone");
    await h.settled();
    expect(await h.gateway.store.listEntries(keyedTenant(HARNESS_SECRET, "sk-gone"))).toEqual([]);
    const again = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: "user", content: uniqueText("after leaving") }], temperature: 0 })
      .withResponse();
    expect(again.response.status).toBe(200);
  });
});
