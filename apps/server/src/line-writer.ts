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

/** How long an exiting process keeps retrying a full pipe for the log lines still queued. */
const EXIT_DRAIN_MS = 1000;

/**
 * A writer on file descriptor `fd` with `writeSync` (process.stdout.write cost ~7x its CPU
 * per line, measured on a pipe). Where the descriptor would block (`EAGAIN`: a full
 * non-blocking pipe), what is left waits in this writer's own queue, retried every 5 ms,
 * and every later write queues behind it: lines keep their order and are never split. At
 * exit the queue gets up to a second more.
 */
export function fdWriter(fd: number): { write(text: string): void } {
  const queue: Uint8Array[] = [];
  let retry: Timer | undefined;
  /** Writes from the queue's head until it is empty (true) or the descriptor is full (false). */
  const drain = (): boolean => {
    while (queue.length > 0) {
      const head = queue[0] as Uint8Array;
      let written: number;
      try {
        written = writeSync(fd, head);
      } catch (error) {
        if ((error as { code?: unknown }).code !== "EAGAIN") throw error;
        return false;
      }
      if (written < head.byteLength) queue[0] = head.subarray(written);
      else queue.shift();
    }
    return true;
  };
  const atExit = () => {
    const deadline = performance.now() + EXIT_DRAIN_MS;
    while (!drain() && performance.now() < deadline) {}
  };
  const schedule = () => {
    if (retry !== undefined) return;
    process.once("exit", atExit);
    retry = setTimeout(() => {
      retry = undefined;
      process.off("exit", atExit);
      if (!drain()) schedule();
    }, 5).unref();
  };
  return {
    write(text) {
      queue.push(Buffer.from(text));
      if (queue.length > 1 || !drain()) schedule();
    },
  };
}
