import { fstatSync } from "node:fs";
import { isatty } from "node:tty";
import type { ProgressEnvironment, ProgressStream } from "./progress-bar.ts";

/** An output stream whose writes resolve once the bytes are handed to the OS. */
export interface Output {
  readonly isTTY: boolean;
  /** Resolves when written: awaiting every write before exiting loses nothing. */
  write(chunk: string | Uint8Array): Promise<void>;
}

/** Standard input. */
export interface Input {
  readonly isTTY: boolean;
  /** Size in bytes when stdin is a regular file (for a progress bar), else undefined. */
  size(): number | undefined;
  /** The bytes as they arrive, in chunks. */
  stream(): AsyncIterable<Uint8Array>;
}

/** Everything a command touches outside the store: streams, environment, clock. */
export interface Io {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly stdin: Input;
  /** Where progress bars draw (stderr), written synchronously. */
  readonly progress: ProgressStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The progress environment of `io`, for `createProgress`. */
export function progressEnvironment(io: Io): ProgressEnvironment {
  return { env: io.env, stream: io.progress, stdoutIsTTY: io.stdout.isTTY };
}

function nodeOutput(stream: NodeJS.WriteStream): Output {
  // An EPIPE (the reader left) arrives as an 'error' event too; unhandled, it would
  // crash the process with a stack trace. The pending write's callback rejects instead.
  let failure: Error | undefined;
  stream.on("error", (error: Error) => {
    failure ??= error;
  });
  return {
    isTTY: stream.isTTY === true,
    write(chunk) {
      if (failure !== undefined) return Promise.reject(failure);
      // The callback runs once the bytes are written, so awaiting every write before
      // process.exit() loses nothing. (Not Bun.write(Bun.stdout): in Bun 1.4.5, once
      // process.stdout exists, Bun.write to a pipe can write a 64 KiB block twice.)
      return new Promise<void>((resolve, reject) => {
        stream.write(chunk, (error) => (error ? reject(error) : resolve()));
      });
    },
  };
}

/** The real process's streams and environment. */
export function processIo(): Io {
  return {
    stdout: nodeOutput(process.stdout),
    stderr: nodeOutput(process.stderr),
    stdin: {
      // isatty rather than process.stdin: stdin is read through Bun.stdin, and one reader is enough.
      isTTY: isatty(0),
      size() {
        try {
          const stat = fstatSync(0);
          return stat.isFile() ? stat.size : undefined;
        } catch {
          return undefined;
        }
      },
      stream: () => Bun.stdin.stream(),
    },
    progress: process.stderr,
    env: process.env,
  };
}

/**
 * Collects small writes into large ones: a dump of many small records is written
 * in chunks of about `chunkBytes` rather than one syscall (and one await) each.
 */
export class BufferedOutput {
  readonly #out: Output;
  readonly #chunkBytes: number;
  #parts: Uint8Array[] = [];
  #buffered = 0;
  /** Bytes written so far (buffered ones included). */
  written = 0;

  constructor(out: Output, chunkBytes = 1024 * 1024) {
    this.#out = out;
    this.#chunkBytes = chunkBytes;
  }

  /** Queues `bytes`; writes the buffer once it holds `chunkBytes` or more. */
  async write(bytes: Uint8Array): Promise<void> {
    this.#parts.push(bytes);
    this.#buffered += bytes.byteLength;
    this.written += bytes.byteLength;
    if (this.#buffered >= this.#chunkBytes) await this.flush();
  }

  /** Writes whatever is buffered. */
  async flush(): Promise<void> {
    if (this.#buffered === 0) return;
    const parts = this.#parts;
    const size = this.#buffered;
    this.#parts = [];
    this.#buffered = 0;
    const chunk = parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts, size);
    await this.#out.write(chunk);
  }
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** Reads all of stdin into one buffer. */
export async function readAll(input: Input): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of input.stream()) {
    parts.push(chunk);
    size += chunk.byteLength;
  }
  return parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts, size);
}
