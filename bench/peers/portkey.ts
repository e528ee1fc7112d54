/**
 * Portkey's open-source AI gateway (`@portkey-ai/gateway`, npm, run with Node as its
 * `start:node` script does) as the gateway scenario's peer: a child process on a loopback
 * port (peers/portkey-loopback.mjs makes its `listen` bind 127.0.0.1), sending every request
 * to the fake upstream as an OpenAI-compatible custom host. Its npm build has no cache wired
 * (the `getFromCache` its cache step asks the request context for is never set: every
 * request reports cache status DISABLED), so it is measured as a pass-through.
 */
import { createServer } from "node:net";
import { dirname, join } from "node:path";

/** A running Portkey gateway. */
export interface PortkeyChild {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** The headers that route a request through Portkey to `upstreamBase` (an OpenAI-compatible API base). */
export function portkeyHeaders(upstreamBase: string): Record<string, string> {
  return { "x-portkey-provider": "openai", "x-portkey-custom-host": upstreamBase };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1" }, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

/** Starts Portkey's gateway with `node` and waits (20 s at most) until it answers on 127.0.0.1. */
export async function startPortkey(): Promise<PortkeyChild> {
  const runtime = process.env.BENCH_PORTKEY_RUNTIME === "node" ? Bun.which("node") : process.execPath;
  if (runtime === null) throw new Error("node is not on the PATH");
  const preloadFlag = runtime === process.execPath ? "--preload" : "--import";
  const script = join(
    dirname(Bun.resolveSync("@portkey-ai/gateway/package.json", import.meta.dir)),
    "build",
    "start-server.js",
  );
  const port = await freePort();
  const preload = join(import.meta.dir, "portkey-loopback.mjs");
  const proc = Bun.spawn([runtime, preloadFlag, preload, script, `--port=${port}`, "--headless"], {
    env: { ...process.env, NODE_ENV: "production" },
    stdin: "ignore",
    stdout: "ignore",
    stderr: process.env.BENCH_PORTKEY_STDERR === "1" ? "inherit" : "pipe",
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 200; attempt++) {
    if (proc.exitCode !== null) break;
    const ready = await fetch(url).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) {
      return {
        url,
        pid: proc.pid,
        async stop() {
          proc.kill("SIGTERM");
          const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
          await proc.exited;
          clearTimeout(timer);
        },
      };
    }
    await Bun.sleep(100);
  }
  proc.kill("SIGKILL");
  throw new Error(`Portkey's gateway did not start: ${await new Response(proc.stderr).text()}`);
}
