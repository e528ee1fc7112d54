/** One server-sent event: its `event:` name (null when none) and its joined `data:` lines. */
export interface SseEvent {
  readonly event: string | null;
  readonly data: string;
}

/**
 * An incremental decoder of a `text/event-stream`: bytes in as they arrive, complete events
 * out. Lines end in LF, CRLF or CR; an event ends at a blank line; `data:` lines join with LF;
 * comments (`:`) and `id:`/`retry:` are ignored; an event with no data is dropped (the SSE
 * rules the official SDKs follow).
 *
 * @example
 * const decoder = new SseDecoder();
 * decoder.push(new TextEncoder().encode('data: {"a":1}\n\n')); // [{ event: null, data: '{"a":1}' }]
 */
export class SseDecoder {
  readonly #text = new TextDecoder();
  #pending = "";
  #event: string | null = null;
  #data: string[] = [];

  /** Decodes `bytes` and returns the events they completed. */
  push(bytes: Uint8Array): SseEvent[] {
    this.#pending += this.#text.decode(bytes, { stream: true });
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.#pending);
      if (match === null) break;
      // A CR at the very end may be the first half of a CRLF: wait for the next bytes.
      if (match[0] === "\r" && match.index === this.#pending.length - 1) break;
      const line = this.#pending.slice(0, match.index);
      this.#pending = this.#pending.slice(match.index + match[0].length);
      this.#line(line, events);
    }
    return events;
  }

  #line(line: string, events: SseEvent[]): void {
    if (line === "") {
      if (this.#data.length > 0) events.push({ event: this.#event, data: this.#data.join("\n") });
      this.#event = null;
      this.#data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
  }
}
