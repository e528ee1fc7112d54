import { ChunkAssembler } from "./chunk-assembler.ts";
import { SseDecoder } from "./sse-decoder.ts";

/** How an upstream stream ended. */
export type StreamEnd =
  /** `data: [DONE]` after every choice had its finish_reason: `completion` is the whole answer. */
  | { readonly complete: true; readonly completion: Record<string, unknown> }
  /**
   * Anything else, nothing stored: `cut` (the upstream connection failed mid-stream),
   * `incomplete` (it ended without `[DONE]` or a finish_reason), `client_gone` (every client left).
   */
  | { readonly complete: false; readonly reason: "cut" | "incomplete" | "client_gone" };

/**
 * One upstream SSE answer, read once and followed by any number of clients. The pump reads
 * the upstream body and hands each piece of bytes on at once (no buffering: a follower's
 * stream is fed the same bytes as they arrive), while decoding the events and assembling the
 * completion. A client that joins late gets every byte from the start. When the last client
 * goes away before the end, the upstream request is aborted and nothing is stored.
 *
 * @example
 * const flight = new StreamFlight(response.body, abortController);
 * return new Response(flight.follow(request.signal), { headers });
 * const end = await flight.ended; // store end.completion when end.complete
 */
export class StreamFlight {
  /** Resolves once the upstream stream is over, with how it ended. Never rejects. */
  readonly ended: Promise<StreamEnd>;
  readonly #parts: Uint8Array[] = [];
  #end: StreamEnd | undefined;
  #wake: (() => void)[] = [];
  #holders = 0;
  #started = false;
  readonly #abort: AbortController;

  constructor(body: ReadableStream<Uint8Array>, abort: AbortController) {
    this.#abort = abort;
    this.ended = this.#pump(body);
  }

  /**
   * A stream of the upstream's bytes for one client, from the first byte. It errors when the
   * upstream cuts the stream; `signal` (the client's request) or cancelling it lets go.
   */
  follow(signal?: AbortSignal): ReadableStream<Uint8Array> {
    const release = this.#hold();
    signal?.addEventListener("abort", release, { once: true });
    let next = 0;
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          for (;;) {
            const part = this.#parts[next];
            if (part !== undefined) {
              next++;
              controller.enqueue(part);
              return;
            }
            const end = this.#end;
            if (end !== undefined) {
              release();
              if (end.complete || end.reason !== "cut") controller.close();
              else controller.error(new Error("the upstream cut the stream"));
              return;
            }
            await new Promise<void>((resolve) => this.#wake.push(resolve));
          }
        },
        cancel: () => release(),
      },
      { highWaterMark: 0 },
    );
  }

  /** The whole answer for a client that waits for the end instead of following (a non-stream joiner). */
  async whole(): Promise<StreamEnd> {
    const release = this.#hold();
    try {
      return await this.ended;
    } finally {
      release();
    }
  }

  /** Counts a client; the returned function lets go of it once. */
  #hold(): () => void {
    this.#holders++;
    this.#started = true;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#holders--;
      if (this.#holders === 0 && this.#end === undefined) this.#abort.abort();
    };
  }

  async #pump(body: ReadableStream<Uint8Array>): Promise<StreamEnd> {
    const decoder = new SseDecoder();
    const assembler = new ChunkAssembler();
    let done = false;
    let end: StreamEnd;
    const reader = body.getReader();
    try {
      for (;;) {
        const { done: over, value } = await reader.read();
        if (over) break;
        this.#parts.push(value);
        this.#notify();
        for (const event of decoder.push(value)) {
          if (event.data === "[DONE]") done = true;
          else if (!done) assembler.push(parseJson(event.data));
        }
      }
      const completion = done ? assembler.completion() : undefined;
      end = completion === undefined ? { complete: false, reason: "incomplete" } : { complete: true, completion };
    } catch {
      end = {
        complete: false,
        reason: this.#abort.signal.aborted && this.#started && this.#holders === 0 ? "client_gone" : "cut",
      };
    }
    this.#end = end;
    this.#notify();
    return end;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const resolve of wake) resolve();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
