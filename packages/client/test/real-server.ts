import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CONFIG, type RunningServer, type ServerConfig, startServer } from "@reflex/server";
import { selfSignedCert } from "@reflex/testkit";

/** Tokens of the client tests: one for tenant 1, one admin. */
export const TOKENS = { tenant1: "client-tenant-one-0123456789", admin: "client-admin-token-0123456789" } as const;

/** A real server on 127.0.0.1, an ephemeral port, and a fresh temp root (removed by `stop`). */
export interface TestServer {
  readonly url: string;
  readonly running: RunningServer;
  /** With `tls: true`: the server's self-signed certificate (PEM), the CA a client must trust. */
  readonly ca: string | undefined;
  stop(): Promise<void>;
}

/**
 * Starts `startServer` on a temp root; `tokens: true` turns auth on with {@link TOKENS},
 * `tls: true` serves https with a self-signed certificate made for it.
 */
export async function startTestServer(
  options: { tokens?: boolean; tls?: boolean; config?: Partial<ServerConfig> } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "reflex-client-"));
  let tokensFile: string | undefined;
  if (options.tokens === true) {
    tokensFile = join(dir, "tokens.json");
    writeFileSync(
      tokensFile,
      JSON.stringify({
        tokens: [
          { name: "t1", token: TOKENS.tenant1, tenants: ["1"] },
          { name: "ops", token: TOKENS.admin, admin: true },
        ],
      }),
    );
  }
  const cert = options.tls === true ? selfSignedCert(dir) : undefined;
  const running = await startServer(
    {
      ...DEFAULT_CONFIG,
      root: join(dir, "root"),
      host: "127.0.0.1",
      port: 0,
      tokensFile,
      requestLog: false,
      ...(cert === undefined ? {} : { tls: { certFile: cert.certFile, keyFile: cert.keyFile } }),
      ...options.config,
    },
    { logger: { info() {}, error() {} } },
  );
  return {
    url: running.url,
    running,
    ca: cert?.cert,
    async stop() {
      await running.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
