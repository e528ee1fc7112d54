import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReflexClient } from "@reflex/client";
import { DEFAULT_CONFIG, startServer } from "@reflex/server";

/** A real server on 127.0.0.1, an ephemeral port, a fresh temp root (removed by `stop`), no tokens. */
export async function startTestServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "reflex-langchain-"));
  const running = await startServer(
    {
      ...DEFAULT_CONFIG,
      root: join(dir, "root"),
      host: "127.0.0.1",
      port: 0,
      tokensFile: undefined,
      requestLog: false,
    },
    { logger: { info() {}, error() {} } },
  );
  return {
    url: running.url,
    async stop() {
      await running.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A real server for the test file (started before its tests, stopped after them); `use` gets a
 * client of it once it is up.
 */
export function serveTestClient(use: (client: ReflexClient) => void): void {
  let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
  beforeAll(async () => {
    server = await startTestServer();
    use(new ReflexClient({ baseUrl: server.url }));
  });
  afterAll(async () => {
    await server?.stop();
  });
}
