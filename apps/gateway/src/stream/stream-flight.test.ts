import { describe, expect, test } from "bun:test";
import { StreamFlight } from "./stream-flight.ts";

const encoder = new TextEncoder();
const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  encoder.encode(
    `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
  );

/** An upstream body the test feeds by hand. */
function upstreamBody() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  return { body, controller };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("StreamFlight", () => {
  test("followers get every byte, a late one from the start; a complete stream assembles", async () => {
    const { body, controller } = upstreamBody();
    const flight = new StreamFlight(body, new AbortController());
    const first = readAll(flight.follow());
    controller.enqueue(chunk({ role: "assistant", content: "Hi" }));
    await Bun.sleep(0);
    const late = readAll(flight.follow());
    controller.enqueue(chunk({}, "stop"));
    controller.enqueue(encoder.encode("data: [DONE]\n\n"));
    controller.close();
    const end = await flight.ended;
    expect(end.complete).toBe(true);
    if (end.complete)
      expect((end.completion.choices as { message: { content: string } }[])[0]?.message.content).toBe("Hi");
    const text = await first;
    expect(text).toEndWith("data: [DONE]\n\n");
    expect(await late).toBe(text);
  });

  test("a stream that ends without [DONE] is not complete", async () => {
    const { body, controller } = upstreamBody();
    const flight = new StreamFlight(body, new AbortController());
    const reading = readAll(flight.follow());
    controller.enqueue(chunk({ content: "x" }, "stop"));
    controller.close();
    expect(await flight.ended).toEqual({ complete: false, reason: "incomplete" });
    expect(await reading).toContain('"x"');
  });

  test("an upstream error errors the followers", async () => {
    const { body, controller } = upstreamBody();
    const flight = new StreamFlight(body, new AbortController());
    const reading = readAll(flight.follow());
    controller.enqueue(chunk({ content: "x" }));
    controller.error(new Error("cut"));
    expect(await flight.ended).toEqual({ complete: false, reason: "cut" });
    await expect(reading).rejects.toThrow("cut");
  });

  test("the last follower leaving aborts the upstream", async () => {
    const abort = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(chunk({ content: "x" }));
        abort.signal.addEventListener("abort", () => c.error(abort.signal.reason));
      },
    });
    const flight = new StreamFlight(body, abort);
    const client = new AbortController();
    const reader = flight.follow(client.signal).getReader();
    await reader.read();
    client.abort();
    expect(abort.signal.aborted).toBe(true);
    expect(await flight.ended).toEqual({ complete: false, reason: "client_gone" });
  });
});
