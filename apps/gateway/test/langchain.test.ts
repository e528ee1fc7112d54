// LangChain's ChatOpenAI pointed at the gateway (configuration.baseURL): the second identical
// invoke, and the second identical stream, are answered from the cache.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { AIMessage, AIMessageChunk } from "@langchain/core/messages";
import { ChatOpenAI } from "@langchain/openai";
import { type Harness, startHarness, uniqueText } from "./gateway-harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

function model(streaming = false): ChatOpenAI {
  return new ChatOpenAI({
    model: "fake-model",
    temperature: 0,
    apiKey: "sk-langchain-test",
    maxRetries: 0,
    streaming,
    configuration: { baseURL: `${h.gateway.url}/v1` },
  });
}

/** The text of a streamed answer, chunk by chunk. */
async function streamText(chat: ChatOpenAI, prompt: string): Promise<{ text: string; chunks: number }> {
  let text = "";
  let chunks = 0;
  for await (const chunk of (await chat.stream(prompt)) as AsyncIterable<AIMessageChunk>) {
    chunks++;
    if (typeof chunk.content === "string") text += chunk.content;
  }
  return { text, chunks };
}

describe("LangChain ChatOpenAI through the gateway", () => {
  test("the second identical invoke is a hit: the upstream is not called again", async () => {
    const prompt = uniqueText("langchain invoke");
    const before = await h.upstream.calls();
    const hitsBefore = h.gateway.deps.metrics.requests("chat.completions", "hit");
    const first: AIMessage = await model().invoke(prompt);
    await h.settled();
    const second: AIMessage = await model().invoke(prompt);
    expect(first.content).toBe(`answer 1 to ${prompt}`);
    expect(second.content).toBe(first.content);
    expect((await h.upstream.calls()).chat).toBe(before.chat + 1);
    expect(h.gateway.deps.metrics.requests("chat.completions", "hit")).toBe(hitsBefore + 1);
    expect((await h.upstream.calls()).lastAuthorization).toBe("Bearer sk-langchain-test");
  });

  test("a streamed answer is recorded, and the second identical stream is replayed from the cache", async () => {
    const prompt = uniqueText("langchain stream");
    const before = await h.upstream.calls();
    const first = await streamText(model(true), prompt);
    await h.settled();
    const second = await streamText(model(true), prompt);
    expect(first.text).toBe(`answer 1 to ${prompt}`);
    expect(first.chunks).toBeGreaterThan(2);
    expect(second.text).toBe(first.text);
    expect((await h.upstream.calls()).chat).toBe(before.chat + 1);
    // The stream's entry answers a plain invoke of the same request too.
    const plain = await model().invoke(prompt);
    expect(plain.content).toBe(first.text);
    expect((await h.upstream.calls()).chat).toBe(before.chat + 1);
  });
});
