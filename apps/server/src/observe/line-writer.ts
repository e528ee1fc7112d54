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
/** Most bytes queued behind a full pipe; lines past it are dropped whole (and counted). */
export const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/** A line sink on a file descriptor: {@link fdWriter}. */
export interface FdWriter {
  write(text: string): void;
  /** Writes dropped: past {@link MAX_QUEUED_BYTES} behind a full pipe, or after the descriptor failed. */
  readonly dropped: number;
  /** True once a write failed with anything but `EAGAIN` (the reader went away: EPIPE, ...): later writes are dropped. */
  readonly failed: boolean;
}

/**
 * A writer on file descriptor `fd` with `writeSync` (process.stdout.write cost ~7x its CPU
 * per line, measured on a pipe). Where the descriptor would block (`EAGAIN`: a full
 * non-blocking pipe), what is left waits in this writer's own queue, retried every 5 ms,
 * and every later write queues behind it: lines keep their order and are never split. At
 * exit the queue gets up to a second more. It never throws: a reader that stops reading
 * costs at most {@link MAX_QUEUED_BYTES} of queue, and one that goes away (EPIPE) turns the
 * log off; a log must not take the server down or fail a request.
 */
export function fdWriter(fd: number): FdWriter {
  const queue: Uint8Array[] = [];
  let queued = 0;
  let dropped = 0;
  let failed = false;
  let retry: Timer | undefined;
  /** Writes from the queue's head until it is empty (true) or the descriptor is full (false). */
  const drain = (): boolean => {
    while (queue.length > 0) {
      const head = queue[0] as Uint8Array;
      let written: number;
      try {
        written = writeSync(fd, head);
      } catch (error) {
        if ((error as { code?: unknown }).code === "EAGAIN") return false;
        failed = true;
        dropped += queue.length;
        queue.length = 0;
        queued = 0;
        return true;
      }
      queued -= written;
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
      if (failed || queued >= MAX_QUEUED_BYTES) {
        dropped++;
        return;
      }
      const bytes = Buffer.from(text);
      queue.push(bytes);
      queued += bytes.byteLength;
      if (queue.length > 1 || !drain()) schedule();
    },
    get dropped() {
      return dropped;
    },
    get failed() {
      return failed;
    },
  };
}
