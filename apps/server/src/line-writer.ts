import { writeSync } from "node:fs";

/** Past this many buffered characters a write goes out at once. */
const FLUSH_AT = 64 * 1024;
/** Otherwise lines wait at most this long (ms). */
const FLUSH_AFTER_MS = 10;

/**
 * Buffers lines and writes them to `out` in one call at most every 10 ms (or as soon as
 * 64 KiB wait): a request log under load costs one write for hundreds of requests, not one
 * each. What is buffered is written at process exit too.
 */
export class LineWriter {
  #pending: string[] = [];
  #size = 0;
  #scheduled = false;

  /** Writes what waits when the process exits; registered only while something waits. */
  readonly #onExit = () => this.flush();

  constructor(private readonly out: { write(text: string): unknown }) {}

  /** Queues `text` (one or more whole lines). */
  write(text: string): void {
    this.#pending.push(text);
    this.#size += text.length;
    if (this.#size >= FLUSH_AT) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setTimeout(() => this.flush(), FLUSH_AFTER_MS).unref();
      process.once("exit", this.#onExit);
    }
  }

  /** Writes whatever is queued now. */
  flush(): void {
    if (this.#scheduled) {
      this.#scheduled = false;
      process.off("exit", this.#onExit);
    }
    if (this.#pending.length === 0) return;
    const text = this.#pending.length === 1 ? (this.#pending[0] as string) : this.#pending.join("");
    this.#pending = [];
    this.#size = 0;
    this.out.write(text);
  }
}

/**
 * A writer on file descriptor `fd` with `writeSync` (process.stdout.write cost ~7x its CPU
 * per line, measured on a pipe). Where the descriptor would block (`EAGAIN`: a full
 * non-blocking pipe), the rest goes to `fallback`, which queues it, and so does every
 * write until the queue has drained, so lines keep their order and are never split.
 */
export function fdWriter(
  fd: number,
  fallback: { write(chunk: string | Uint8Array, done: () => void): unknown },
): { write(text: string): void } {
  let queued = 0;
  const drained = () => {
    queued--;
  };
  return {
    write(text) {
      if (queued > 0) {
        queued++;
        fallback.write(text, drained);
        return;
      }
      const bytes = Buffer.from(text);
      let offset = 0;
      try {
        while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
      } catch (error) {
        if ((error as { code?: unknown }).code !== "EAGAIN") throw error;
        queued++;
        fallback.write(bytes.subarray(offset), drained); // bytes: the cut may be inside a character
      }
    },
  };
}
