/**
 * The last part of scenario 4: the server's RSS (from /proc) and JS heap while 64
 * connections GET a 16 MiB payload over and over (it must stream, not copy).
 */
import { join } from "node:path";
import { rssMiB, serverEnv, startChild } from "../child-server.ts";
import { fetchLoad, type RequestSpec } from "../http-client.ts";
import type { Results } from "../results.ts";

const MiB = 1024 * 1024;

/** The server's RSS and heap while 64 connections GET a 16 MiB payload over and over. */
export async function measureStreaming(
  results: Results,
  root: string,
  durationMs: number,
  opts: { tenantId: bigint; entryId: bigint; payloadBytes: number; connections: number },
): Promise<void> {
  const server = await startChild(
    ["bun", join("bench", "fixtures", "reflex-server-heap.ts"), "--port", "0", "--quiet"],
    serverEnv(root),
  );
  try {
    const heapOf = () =>
      server.lines
        .map((line) => /^heap (\d+)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => Number(m[1]) / MiB);
    const path = `/v1/tenants/${opts.tenantId}/entries/${opts.entryId}/payload`;
    // One request first, so idle figures include the loaded code paths.
    const first = await fetch(`${server.url}${path}`);
    await first.arrayBuffer();
    await Bun.sleep(300);
    const rssIdle = rssMiB(server.pid);
    const heapIdle = heapOf().at(-1) ?? Number.NaN;
    server.lines.length = 0;
    let rssMax = rssIdle;
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, rssMiB(server.pid));
    }, 25);
    const spec: RequestSpec = { method: "GET", path: () => path, okStatus: [200], streamBody: true };
    const run = await fetchLoad(server.url, spec, opts.connections, durationMs);
    clearInterval(sampler);
    rssMax = Math.max(rssMax, rssMiB(server.pid));
    const heapMax = Math.max(heapIdle, ...heapOf());
    const rssEnd = rssMiB(server.pid);
    results.serverMemory.push({
      label: `GET payload 16 MiB, ${opts.connections} connections, ${(run.seconds).toFixed(1)} s (fetch client)`,
      requests: run.ok,
      errors: run.errors,
      rps: run.ok / run.seconds,
      mibPerSecond: (run.ok * opts.payloadBytes) / MiB / run.seconds,
      rssIdleMiB: rssIdle,
      rssMaxMiB: rssMax,
      rssEndMiB: rssEnd,
      heapIdleMiB: heapIdle,
      heapMaxMiB: heapMax,
    });
    console.error(
      `[bench]   16 MiB stream: ${run.ok} ok, ${run.errors} errors, RSS ${rssIdle.toFixed(0)} -> max ${rssMax.toFixed(0)} MiB, heap ${heapIdle.toFixed(0)} -> max ${heapMax.toFixed(0)} MiB`,
    );
  } finally {
    await server.stop();
  }
}
