// A real `bun src/main.ts` process for tests that need several servers at once (each its
// own process, as in production): started on an ephemeral loopback port, stopped by pid.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readyLine } from "@reflex/testkit";

const MAIN = join(import.meta.dir, "..", "src", "main.ts");
const READY = "reflex listening on ";

/** A running server process. */
export interface ServerProcess {
  readonly url: string;
  readonly process: Bun.Subprocess<"ignore", "pipe", Bun.BunFile>;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const logDir = mkdtempSync(join(tmpdir(), "reflex-server-proc-"));
let started = 0;

/** Removes the directory of the processes' stderr logs (call after the last one stopped). */
export function removeServerLogs(): void {
  rmSync(logDir, { recursive: true, force: true });
}

/**
 * Starts `bun src/main.ts --port 0 --quiet ...args` and resolves with its URL once it prints
 * it (stderr goes to a file, so a chatty server never blocks on a full pipe). Rejects with its
 * stderr when it exits first or `timeoutMs` passes.
 */
export async function startServerProcess(args: readonly string[], timeoutMs = 30_000): Promise<ServerProcess> {
  const log = join(logDir, `server-${++started}.log`);
  const child = Bun.spawn([process.execPath, MAIN, "--port", "0", "--quiet", ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: Bun.file(log),
  });
  const stderr = () => {
    try {
      return readFileSync(log, "utf8");
    } catch {
      return "";
    }
  };
  const stop = async (graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await child.exited;
    clearTimeout(timer);
  };
  let url: string;
  try {
    url = await readyLine(child, READY, timeoutMs, stderr);
  } catch (error) {
    await stop(0);
    throw error;
  }
  return { url, process: child, stderr, stop };
}
