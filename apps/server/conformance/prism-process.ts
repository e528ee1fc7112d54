// Stoplight Prism (`@stoplight/prism-cli`, an exact devDependency of this package) as a
// validating proxy: started from the package's own bin on loopback, stopped by pid.
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A running `prism proxy`. */
export interface PrismProcess {
  /** Where to send requests: the proxy, which forwards them to the server. */
  readonly url: string;
  /** What Prism wrote so far (stdout and stderr). */
  log(): string;
  /** SIGTERM, then SIGKILL after 3 s; resolves once it has exited. */
  stop(): Promise<void>;
  /** SIGKILL at once (the driver's watchdog). */
  kill(): void;
}

/** The `prism` executable of this package's dependencies (never a global one). */
export const PRISM_BIN = join(import.meta.dir, "..", "node_modules", ".bin", "prism");

/** A free loopback TCP port: bound by the kernel, then let go. */
export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = listener;
  listener.stop(true);
  return port;
}

/**
 * Starts `prism proxy <document> <upstream> --errors` on a free loopback port and resolves
 * once it answers (a request through it to `/healthz`). Rejects, with Prism's output, when
 * the process exits first or is not answering within `timeoutMs`: the check never skips.
 */
export async function startPrism(
  document: string,
  upstream: string,
  logFile: string,
  timeoutMs = 45_000,
): Promise<PrismProcess> {
  const port = freePort();
  const out = openSync(logFile, "w");
  const child = Bun.spawn(
    [PRISM_BIN, "proxy", document, upstream, "--errors", "--host", "127.0.0.1", "--port", String(port)],
    { stdin: "ignore", stdout: out, stderr: out, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } },
  );
  closeSync(out);
  const log = () => readFileSync(logFile, "utf8");
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await child.exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 1000; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`prism exited (${child.exitCode ?? child.signalCode}) before answering:\n${log()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prism did not answer within ${timeoutMs} ms:\n${log()}`);
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return { url, log, stop, kill: () => child.kill("SIGKILL") };
    } catch {
      // not listening yet
    }
    await Bun.sleep(200);
  }
  await stop();
  throw new Error(`prism did not answer:\n${log()}`);
}
