/** Past this many buffered characters a write goes out at once. */
const FLUSH_AT = 64 * 1024;

/**
 * Buffers lines and writes them to `out` in one call per event-loop turn (or as soon as
 * 64 KiB wait): a request log under load costs one write for many requests, not one
 * each. What is buffered is written at process exit too.
 */
export class LineWriter {
  #pending: string[] = [];
  #size = 0;
  #scheduled = false;

  constructor(private readonly out: { write(text: string): unknown }) {
    process.once("exit", () => this.flush());
  }

  /** Queues `text` (one or more whole lines). */
  write(text: string): void {
    this.#pending.push(text);
    this.#size += text.length;
    if (this.#size >= FLUSH_AT) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes whatever is queued now. */
  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const text = this.#pending.length === 1 ? (this.#pending[0] as string) : this.#pending.join("");
    this.#pending = [];
    this.#size = 0;
    this.out.write(text);
  }
}
