// One gateway in this process in front of one fake upstream process, for the end-to-end tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@reflex/server";
import OpenAI from "openai";
import { DEFAULT_GATEWAY_CONFIG, type GatewayConfig } from "../src/config.ts";
import { type RunningGateway, startGateway } from "../src/server.ts";
import { type FakeUpstream, startFakeUpstream } from "./fake-upstream-process.ts";

/** A gateway on a loopback port, its root, and the fake upstream behind it. */
export interface Harness {
  readonly upstream: FakeUpstream;
  readonly gateway: RunningGateway;
  readonly root: string;
  /** An official SDK client of the gateway with this API key (no retries, so every status shows). */
  client(apiKey?: string): OpenAI;
  /** Waits until every cache write started by the answers so far has finished. */
  settled(): Promise<void>;
  /** Stops the gateway, then the fake upstream (by its pid), and removes the root. */
  stop(): Promise<void>;
}

/** The secret of the harness's gateway (tests compute tenants with it). */
export const HARNESS_SECRET = new TextEncoder().encode("gateway test secret, not a real one");

/** The config of a test gateway on `upstream` and `root`: port 0, the harness secret, no request log. */
export function harnessConfig(
  upstream: FakeUpstream,
  root: string,
  overrides: Partial<GatewayConfig> = {},
): GatewayConfig {
  return {
    ...DEFAULT_GATEWAY_CONFIG,
    upstream: upstream.baseUrl,
    port: 0,
    root,
    secret: HARNESS_SECRET,
    requestLog: false,
    ...overrides,
  };
}

/** Starts a fake upstream (or uses `shared`) and a gateway in front of it with `overrides`. */
export async function startHarness(overrides: Partial<GatewayConfig> = {}, shared?: FakeUpstream): Promise<Harness> {
  const upstream = shared ?? (await startFakeUpstream());
  const root = mkdtempSync(join(tmpdir(), "reflex-gateway-test-"));
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(harnessConfig(upstream, root, { shutdownTimeoutMs: 5_000, ...overrides }), {
      logger: silentLogger,
    });
  } catch (error) {
    if (shared === undefined) await upstream.stop();
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return {
    upstream,
    gateway,
    root,
    client: (apiKey = "sk-test-key-one") => new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 }),
    async settled() {
      await new Promise((resolve) => setImmediate(resolve));
      await gateway.deps.cache.settled();
      await gateway.deps.semantic?.tier.settled();
    },
    async stop() {
      await gateway.shutdown();
      if (shared === undefined) await upstream.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A unique user message, so tests never meet each other's entries. */
let serial = 0;
export function uniqueText(label: string): string {
  serial++;
  return `${label} #${serial} ${process.pid}`;
}

/** Polls `condition` every 10 ms, at most 1,000 times; true once it holds. */
export async function eventually(condition: () => boolean | Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 1_000; i++) {
    if (await condition()) return true;
    await Bun.sleep(10);
  }
  return false;
}
