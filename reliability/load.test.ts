// Load (issue 7): a real server (startServer, durable writes, bearer tokens) on 127.0.0.1,
// and a client in another process (fixtures/load-client.ts) running 64 concurrent fetch
// loops of mixed PUT / GET / GET payload / HEAD / DELETE / listing for 10 s (10 min in
// soak mode). Every answer must be the one the request expects, byte for byte where the
// client knows the entry; the server's RSS and live mappings are sampled and must stay
// bounded; p50/p99 latency is reported. Afterwards the store, reopened, must hold exactly
// the client's final model of its keys and verify clean.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NvmeStorage } from "@reflex/core";
import { type RunningServer, startServer } from "@reflex/server";
import { removeTempDirs, tempDir } from "@reflex/testkit";
import { figure, SOAK, scale } from "./fixtures/harness.ts";
import { entryOf } from "./fixtures/load-entries.ts";

const CONNECTIONS = 64;
const DURATION_MS = scale(10_000, 600_000);
const TOKEN = "load-test-token-0123456789abcdef";
const MIB = 1024 * 1024;
/** How far the server process's RSS may rise over its baseline under this load (measured: ~130 MiB). */
const RSS_GROWTH_BOUND = 512 * MIB;
/** The store's mapping cap (NvmeStorage's default); the kernel's is ~65k. */
const MAPPING_BOUND = 16_384;

interface ClientReport {
  requests: number;
  errors: number;
  samples: string[];
  counts: Record<string, Record<string, number>>;
  elapsedMs: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  finalModel: [string, string, number | null][];
}

/** Established TCP connections whose local port is `port` (the server's side of each client connection). */
function establishedTo(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  let count = 0;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === "01" && local?.endsWith(`:${hexPort}`)) count++;
    }
  }
  return count;
}

interface Sample {
  readonly at: number;
  readonly rss: number;
  readonly mappings: number;
  readonly inFlight: number;
  readonly connections: number;
}

describe("load", () => {
  let base: string;
  let root: string;
  let running: RunningServer;

  beforeAll(async () => {
    base = tempDir("reflex-load-");
    root = join(base, "root");
    const tokensFile = join(base, "tokens.json");
    writeFileSync(
      tokensFile,
      JSON.stringify({ tokens: [{ name: "load", token: TOKEN, tenants: ["1", "2", "3", "4", "9"] }] }),
    );
    running = await startServer(
      {
        root,
        host: "127.0.0.1",
        port: 0,
        tokensFile,
        maxBodyBytes: 16 * MIB,
        requestLog: false,
        shutdownTimeoutMs: 30_000,
        help: false,
        retention: {},
      },
      { logger: { info() {}, error: (line) => process.stderr.write(`${line}\n`) } },
    );
  });

  afterAll(async () => {
    await running?.shutdown();
    removeTempDirs();
  });

  test(
    `${CONNECTIONS} connections of mixed traffic for ${DURATION_MS / 1000} s: zero errors, bounded memory and mappings`,
    async () => {
      Bun.gc(true);
      const baseline = process.memoryUsage().rss;
      const samples: Sample[] = [];
      const port = running.server.port as number;
      const started = performance.now();
      const sampler = setInterval(() => {
        samples.push({
          at: performance.now() - started,
          rss: process.memoryUsage().rss,
          mappings: (running.store as NvmeStorage).liveMappings,
          inFlight: running.inFlight,
          connections: establishedTo(port),
        });
      }, 200);
      const client = Bun.spawn(
        [
          process.execPath,
          join(import.meta.dir, "fixtures", "load-client.ts"),
          "--url",
          running.url,
          "--token",
          TOKEN,
          "--connections",
          String(CONNECTIONS),
          "--duration-ms",
          String(DURATION_MS),
        ],
        { stdout: "pipe", stderr: "pipe" },
      );
      // The client stops by itself at its deadline; this only guards against a hang.
      const guard = setTimeout(() => client.kill(), DURATION_MS + 60_000);
      const [stdout, stderr, code] = await Promise.all([
        new Response(client.stdout).text(),
        new Response(client.stderr).text(),
        client.exited,
      ]);
      clearTimeout(guard);
      clearInterval(sampler);
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      const report = JSON.parse(stdout.trim().split("\n").at(-1) as string) as ClientReport;

      expect(report.samples).toEqual([]);
      expect(report.errors).toBe(0);
      expect(report.requests).toBeGreaterThan(1_000);
      const maxRss = Math.max(...samples.map((s) => s.rss));
      const maxMappings = Math.max(...samples.map((s) => s.mappings));
      const maxInFlight = Math.max(...samples.map((s) => s.inFlight));
      const maxConnections = Math.max(...samples.map((s) => s.connections));
      expect(maxRss).toBeLessThan(baseline + RSS_GROWTH_BOUND);
      expect(maxMappings).toBeLessThanOrEqual(MAPPING_BOUND);
      // No growth over the run: the last quarter's peak stays near the first quarter's.
      const quarter = (from: number, to: number) =>
        Math.max(...samples.filter((s) => s.at >= from * DURATION_MS && s.at < to * DURATION_MS).map((s) => s.rss));
      const early = quarter(0, 0.25);
      const late = quarter(0.75, 1);
      if (SOAK) expect(late).toBeLessThan(early * 1.5 + 64 * MIB);

      // The store, reopened, holds exactly the client's final model of its own keys.
      await running.shutdown();
      const store = new NvmeStorage(root, { handleCache: { maxEntries: 0 } });
      const mismatches: string[] = [];
      for (const [tenantText, idText, version] of report.finalModel) {
        const tenant = BigInt(tenantText);
        const id = BigInt(idText);
        if (version === null) {
          if (await store.exists(id, tenant)) mismatches.push(`${tenant}/${id} exists, client deleted it last`);
          continue;
        }
        const handle = await store.load(id, tenant);
        const want = entryOf(tenant, id, version);
        if (
          handle.contextHash !== want.contextHash ||
          !Buffer.from(handle.payloadBlob).equals(Buffer.from(want.payloadBlob))
        ) {
          mismatches.push(`${tenant}/${id} is not v${version}`);
        }
        handle.release();
      }
      const verify = await store.verify();
      store.close();
      expect(mismatches).toEqual([]);
      expect(verify.problems).toEqual([]);

      const ops = Object.entries(report.counts)
        .map(([op, byStatus]) => `${op} ${Object.values(byStatus).reduce((a, b) => a + b, 0)}`)
        .join(", ");
      const mib = (bytes: number) => `${(bytes / MIB).toFixed(0)} MiB`;
      const { p50, p99, max } = report.latencyMs;
      figure(
        "load",
        `${report.requests} requests in ${(report.elapsedMs / 1000).toFixed(1)} s ` +
          `(${Math.round(report.requests / (report.elapsedMs / 1000))}/s; ${ops}) at ${CONNECTIONS} connections ` +
          `(${maxConnections} open TCP connections, up to ${maxInFlight} requests in the handler at once), 0 errors; latency p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, ` +
          `max ${max.toFixed(1)} ms; server RSS max ${mib(maxRss)} (baseline ${mib(baseline)}, first/last quarter peak ` +
          `${mib(early)}/${mib(late)}), live mappings max ${maxMappings}; ${report.finalModel.length} keys equal the ` +
          `client's model after reopen, ${verify.checked} entries verify clean`,
      );
    },
    DURATION_MS + 120_000,
  );
});
