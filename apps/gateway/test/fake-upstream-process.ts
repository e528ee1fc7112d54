// Starts test/fake-upstream.ts as a child process on a loopback port and stops it by its pid.
import { join } from "node:path";
import { readyLine } from "@reflex/testkit";

const SCRIPT = join(import.meta.dir, "fake-upstream.ts");
const READY = "fake upstream listening on ";

/** Call counts of the fake upstream. */
export interface UpstreamCalls {
  readonly chat: number;
  readonly embeddings: number;
  readonly rerank: number;
  readonly other: number;
  readonly lastAuthorization: string | null;
  /** The `Authorization` of the last embeddings request (the gateway's own calls included). */
  readonly lastEmbeddingAuthorization: string | null;
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
  const url = await readyLine(child, READY, timeoutMs);
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
