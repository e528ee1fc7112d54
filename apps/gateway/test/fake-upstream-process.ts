// Starts test/fake-upstream.ts as a child process on a loopback port and stops it by its pid.
import { join } from "node:path";

const SCRIPT = join(import.meta.dir, "fake-upstream.ts");
const READY = "fake upstream listening on ";

/** Call counts of the fake upstream. */
export interface UpstreamCalls {
  readonly chat: number;
  readonly embeddings: number;
  readonly other: number;
  readonly lastAuthorization: string | null;
}

/** A running fake upstream. */
export interface FakeUpstream {
  /** Its origin, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Its API base, `<url>/v1`: what the gateway's `--upstream` gets. */
  readonly baseUrl: string;
  /** The calls it got so far. */
  calls(): Promise<UpstreamCalls>;
  /** Opens the gate `name` (see `[hold:NAME]`). */
  release(name: string): Promise<void>;
  /** Sets its counts to zero. */
  reset(): Promise<void>;
  /** SIGTERM (SIGKILL after 5 s); resolves once it exited. */
  stop(): Promise<void>;
}

/** Starts the fake upstream and resolves once it printed its URL (rejects after `timeoutMs`). */
export async function startFakeUpstream(timeoutMs = 20_000): Promise<FakeUpstream> {
  const child = Bun.spawn([process.execPath, SCRIPT], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    while (!text.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    clearTimeout(deadline);
    reader.releaseLock();
  }
  const line = text.slice(0, text.indexOf("\n"));
  if (!line.startsWith(READY)) {
    child.kill("SIGKILL");
    throw new Error(`the fake upstream did not start: ${JSON.stringify(line)}`);
  }
  const url = line.slice(READY.length);
  return {
    url,
    baseUrl: `${url}/v1`,
    async calls() {
      return (await (await fetch(`${url}/__calls`)).json()) as UpstreamCalls;
    },
    async release(name) {
      await fetch(`${url}/__release/${name}`, { method: "POST" });
    },
    async reset() {
      await fetch(`${url}/__reset`, { method: "POST" });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await child.exited;
      clearTimeout(timer);
    },
  };
}
