import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventually, type Harness, startHarness, uniqueText } from "./gateway-harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const MODEL = "fake-model";

describe("single flight", () => {
  test("64 concurrent identical misses make exactly one upstream call and all get its answer", async () => {
    const client = h.client("sk-burst");
    // The upstream holds its answer until every request has joined (or the poll gives up).
    const messages = [{ role: "user" as const, content: uniqueText("[hold:burst] everyone at once") }];
    const before = (await h.upstream.calls()).chat;
    const joins = h.gateway.deps.metrics.joins;
    const calls = Array.from({ length: 64 }, () =>
      client.chat.completions.create({ model: MODEL, messages, temperature: 0 }).withResponse(),
    );
    const allJoined = await eventually(() => h.gateway.deps.metrics.joins >= joins + 63);
    await h.upstream.release("burst");
    const results = await Promise.all(calls);
    expect(allJoined).toBe(true);
    expect((await h.upstream.calls()).chat).toBe(before + 1);
    const contents = new Set(results.map((r) => r.data.choices[0]?.message.content));
    expect([...contents]).toEqual([`answer 1 to ${messages[0]?.content}`]);
    expect(results.every((r) => r.response.headers.get("x-reflex-cache") === "miss")).toBe(true);
    await h.settled();
    const metrics = await (await fetch(`${h.gateway.url}/metrics`)).text();
    expect(metrics).toContain(`reflex_gateway_single_flight_joins_total ${h.gateway.deps.metrics.joins}`);
  });

  test("stream requests follow one upstream stream; a non-stream joiner gets the assembled answer", async () => {
    const client = h.client("sk-stream-burst");
    const messages = [{ role: "user" as const, content: uniqueText("[hold:streamburst] stream together") }];
    const before = (await h.upstream.calls()).chat;
    const joins = h.gateway.deps.metrics.joins;
    const streams = Array.from({ length: 8 }, () =>
      client.chat.completions.stream({ model: MODEL, messages, temperature: 0 }).finalChatCompletion(),
    );
    const joined = await eventually(() => h.gateway.deps.metrics.joins >= joins + 7);
    const whole = client.chat.completions.create({ model: MODEL, messages, temperature: 0 });
    const wholeJoined = await eventually(() => h.gateway.deps.metrics.joins >= joins + 8);
    await h.upstream.release("streamburst");
    const finals = await Promise.all(streams);
    expect(joined && wholeJoined).toBe(true);
    const expected = `answer 1 to ${messages[0]?.content}`;
    for (const final of finals) expect(final.choices[0]?.message.content).toBe(expected);
    expect((await whole).choices[0]?.message.content).toBe(expected);
    expect((await h.upstream.calls()).chat).toBe(before + 1);
  });

  test("the same request of two tenants is never shared", async () => {
    const messages = [{ role: "user" as const, content: uniqueText("[hold:twotenants] mine") }];
    const before = (await h.upstream.calls()).chat;
    const a = h.client("sk-flight-a").chat.completions.create({ model: MODEL, messages, temperature: 0 });
    const b = h.client("sk-flight-b").chat.completions.create({ model: MODEL, messages, temperature: 0 });
    // Both reach the upstream while it holds its answers: neither joined the other's call.
    const bothCalled = await eventually(async () => (await h.upstream.calls()).chat >= before + 2);
    await h.upstream.release("twotenants");
    expect(bothCalled).toBe(true);
    const answers = [(await a).choices[0]?.message.content, (await b).choices[0]?.message.content].sort();
    expect(answers).toEqual([`answer 1 to ${messages[0]?.content}`, `answer 2 to ${messages[0]?.content}`]);
    expect((await h.upstream.calls()).chat).toBe(before + 2);
  });
});
