// Child processes for tests: a runner that splits stdout into lines as they arrive, so
// a test can wait for a child's "ready", kill it at a chosen moment and replay what it
// reported before it died.

/** A child process whose stdout is split into lines as they arrive. */
export interface LineChild {
  /** The process: `kill()`, `exited`, `exitCode` and `signalCode`, piped stdin. */
  readonly process: Bun.Subprocess<"pipe", "pipe", "pipe">;
  /** Every complete stdout line so far. */
  readonly lines: string[];
  /**
   * Resolves with the first line equal to `match` (a string) or for which `match` is
   * true; rejects if stdout ends first.
   */
  waitFor(match: string | ((line: string) => boolean)): Promise<string>;
  /** Resolves once stdout is closed, with any unterminated text at its end. */
  readonly stdoutClosed: Promise<string>;
  /** stderr, once the child has exited. */
  stderr(): Promise<string>;
}

interface Waiter {
  readonly match: (line: string) => boolean;
  readonly resolve: (line: string) => void;
  readonly reject: (error: Error) => void;
}

/** Options of {@link spawnLines}. */
export interface SpawnLinesOptions {
  /** The child's whole environment. Default: this process's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Starts `command` with piped stdin, stdout and stderr (and `options.env`).
 *
 * @example
 * const child = spawnLines([process.execPath, "writer.ts", root]);
 * await child.waitFor("ready");
 * child.process.kill("SIGKILL");
 * await child.process.exited; // child.process.signalCode === "SIGKILL"
 */
export function spawnLines(command: readonly string[], options: SpawnLinesOptions = {}): LineChild {
  const child = Bun.spawn([...command], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    ...(options.env === undefined ? {} : { env: { ...options.env } }),
  });
  const lines: string[] = [];
  const waiters: Waiter[] = [];
  let closed = false;
  const stdoutClosed = (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of child.stdout) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf("\n"); end >= 0; end = buffer.indexOf("\n")) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        lines.push(line);
        for (const waiter of waiters.filter((w) => w.match(line))) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
    closed = true;
    for (const waiter of waiters.splice(0)) waiter.reject(new Error("stdout closed before the awaited line"));
    return buffer;
  })();
  return {
    process: child,
    lines,
    stdoutClosed,
    waitFor(match) {
      const test = typeof match === "string" ? (line: string) => line === match : match;
      const seen = lines.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      if (closed) return Promise.reject(new Error("stdout closed before the awaited line"));
      return new Promise((resolve, reject) => waiters.push({ match: test, resolve, reject }));
    },
    stderr: () => new Response(child.stderr).text(),
  };
}

/** Starts `bun <script> ...args` (the running Bun) under {@link spawnLines}. */
export function spawnScript(script: string, args: readonly string[] = [], options: SpawnLinesOptions = {}): LineChild {
  return spawnLines([process.execPath, script, ...args], options);
}
