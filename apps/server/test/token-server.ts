import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EntryStore } from "@reflex/core";
import { DEFAULT_CONFIG, type ServerConfig } from "../src/config/config.ts";
import { silentLogger } from "../src/observe/logger.ts";
import { type RunningServer, type StartOptions, startServer } from "../src/server.ts";
import { TOKEN_FILE } from "./helpers.ts";

/**
 * A real server on an ephemeral loopback port over `<dir>/root`, with the tokens of
 * {@link TOKEN_FILE} (written to `<dir>/tokens.json`) and no request log; `overrides`
 * change its config. Silent unless `options` give a logger. The caller shuts it down.
 */
export function startTokenServer(
  dir: string,
  overrides: Partial<ServerConfig> = {},
  options: StartOptions = { logger: silentLogger },
): Promise<RunningServer> {
  const tokensFile = join(dir, "tokens.json");
  writeFileSync(tokensFile, JSON.stringify(TOKEN_FILE));
  return startServer(
    { ...DEFAULT_CONFIG, root: join(dir, "root"), port: 0, tokensFile, requestLog: false, ...overrides },
    options,
  );
}

/**
 * Stores one small entry per `[tenant, id, ttlSeconds]` (0: no expiry): payload
 * `payload <tenant>/<id>`, context hash 7, a one-value f16 embedding.
 */
export async function storeSampleEntries(
  store: EntryStore,
  entries: readonly (readonly [bigint, bigint, number])[],
): Promise<void> {
  const utf8 = new TextEncoder();
  for (const [tenantId, id, ttlSeconds] of entries) {
    const entry = {
      tenantId,
      contextHash: 7n,
      timestamp: 1_700_000_000n,
      embedding: new Uint8Array([0, 60]),
      payloadBlob: utf8.encode(`payload ${tenantId}/${id}`),
    };
    (await store.store(id, entry, { ttlSeconds })).release();
  }
}
