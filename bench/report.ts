/** Turns a run's results into the Markdown printed on stdout and written to BENCHMARKS.md. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { gatewayLatencyTable } from "./gateway-report.ts";
import { formatRate, formatRatio, formatTime } from "./harness.ts";
import type { Results, Row } from "./results.ts";
import { GATEWAY_PREFIX } from "./scenarios/gateway.ts";
import { TLS_HTTP_PREFIX } from "./scenarios/http-tls.ts";
import { CLUSTER_HTTP_PREFIX } from "./scenarios/redis-cluster.ts";
import { SCALE_OPERATIONS, sizeLabel, tenantSizes } from "./scenarios/scale.ts";
import { SEMANTIC_PREFIX } from "./scenarios/semantic.ts";
import type { Verdict } from "./targets.ts";

export const BEGIN_MARKER = "<!-- bench:results:begin (written by `bun run bench -- --write`) -->";
export const END_MARKER = "<!-- bench:results:end -->";

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : `(${command} failed)`;
}

function kernel(): string {
  try {
    return readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  } catch {
    return run("uname", ["-r"]);
  }
}

function uncommitted(): string {
  const dirs = ["packages", "apps", "bench"].filter((dir) => run("git", ["status", "--porcelain", "--", dir]) !== "");
  return dirs.length === 0 ? "" : ` + uncommitted changes in ${dirs.map((dir) => `${dir}/`).join(", ")}`;
}

function loadAverage(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(", ");
  } catch {
    return "unknown";
  }
}

/** The machine, as the issue asks: cores, kernel, file system of the data dir, Bun version. */
export function machineSection(command: string, mode: string): string {
  const dir = tmpdir();
  const cpu = cpus();
  const df = run("df", ["-T", dir]).split("\n").at(-1)?.split(/\s+/) ?? [];
  const findmnt = run("findmnt", ["-n", "-T", dir, "-o", "TARGET,SOURCE,FSTYPE,OPTIONS"]).replace(/\s+/g, " ");
  return [
    `- Command: \`${command}\` (${mode} mode), ${new Date().toISOString()}`,
    `- Bun ${Bun.version} (${Bun.revision.slice(0, 9)}), ${process.platform}-${process.arch}`,
    `- CPU: ${cpu.length} cores, ${cpu[0]?.model ?? "unknown"}; RAM ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Kernel ${kernel()}`,
    `- Code: git ${run("git", ["rev-parse", "--short", "HEAD"])}${uncommitted()}`,
    `- Load average when the report was written (1, 5, 15 min): ${loadAverage()}`,
    `- Data dir ${dir}: \`df -T\` ${df[1] ?? "?"} on ${df[0] ?? "?"}; \`findmnt\` ${findmnt}`,
  ].join("\n");
}

function spread(row: Row): string {
  return `${formatTime(row.figure.p25Ns)} – ${formatTime(row.figure.p75Ns)}`;
}

function ratioCell(results: Results, row: Row): string {
  if (row.reference === true) return `1x (${row.referenceLabel ?? "raw"})`;
  const reference = results.reference(row.group);
  return reference === undefined ? "" : formatRatio(row.figure.medianNs / reference.figure.medianNs);
}

function rowsTable(results: Results, scenario: string): string {
  const rows = results.rows.filter((row) => row.scenario === scenario);
  if (rows.length === 0) return "_not run_";
  const lines = [
    "| group | subject | median / op | p25 – p75 | p99 | ops/s | vs raw | samples | how |",
    "|---|---|--:|--:|--:|--:|--:|--:|---|",
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.group} | ${row.subject} | ${formatTime(row.figure.medianNs)} | ${spread(row)} | ${formatTime(
        row.figure.p99Ns,
      )} | ${formatRate(row.figure.medianNs)} | ${ratioCell(results, row)} | ${row.figure.samples} | ${row.note ?? ""} |`,
    );
  }
  return lines.join("\n");
}

function growthTable(results: Results): string {
  const sizes = tenantSizes();
  const [small, large] = sizes as [number, number];
  const groupOf = (count: number) => `tenant of ${sizeLabel(count)}`;
  if (!results.rows.some((row) => row.scenario === "scale")) return "_not run_";
  const lines = [
    `| operation | ${sizeLabel(small)} entries | ${sizeLabel(large)} entries | growth (${sizeLabel(large)} / ${sizeLabel(small)}) |`,
    "|---|--:|--:|--:|",
  ];
  for (const operation of SCALE_OPERATIONS) {
    const a = results.find(groupOf(small), operation)?.figure.medianNs;
    const b = results.find(groupOf(large), operation)?.figure.medianNs;
    if (a === undefined || b === undefined) continue;
    lines.push(`| ${operation} | ${formatTime(a)} | ${formatTime(b)} | ${formatRatio(b / a)} |`);
  }
  lines.push("", `(the entry count grows ${formatRatio(large / small)})`);
  return lines.join("\n");
}

function memoryTable(results: Results): string {
  if (results.memory.length === 0) return "_not run_";
  const lines = [
    "| variant | loaded | RSS MiB | JS heap MiB | liveMappings | cached handles | cache MiB |",
    "|---|--:|--:|--:|--:|--:|--:|",
  ];
  for (const p of results.memory) {
    lines.push(
      `| ${p.variant} | ${p.loaded} | ${p.rssMiB.toFixed(0)} | ${p.heapMiB.toFixed(0)} | ${p.liveMappings} | ${p.cacheEntries} | ${p.cacheMiB.toFixed(1)} |`,
    );
  }
  return lines.join("\n");
}

type HttpKind = "plain" | "cluster" | "tls" | "gateway";

/** Which table an HTTP figure goes in: scenario 4's, the cluster's (9), TLS's (10) or the gateway's (12). */
function httpKind(group: string): HttpKind {
  if (group.startsWith(CLUSTER_HTTP_PREFIX)) return "cluster";
  if (group.startsWith(GATEWAY_PREFIX)) return "gateway";
  return group.startsWith(TLS_HTTP_PREFIX) ? "tls" : "plain";
}

function httpTable(results: Results, kind: HttpKind = "plain"): string {
  const points = results.http.filter((p) => httpKind(p.group) === kind);
  if (points.length === 0) return "_not run_";
  const lines = [
    "| group | subject | load | conns | requests | errors | req/s | p50 | p99 | vs ref (req/s) | server CPU / req | how |",
    "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|",
  ];
  for (const p of points) {
    const reference = points.find(
      (r) => r.group === p.group && r.reference === true && (r.tool === p.tool || p.group.startsWith("PUT")),
    );
    const ratio = p.reference === true ? "1x (ref)" : reference === undefined ? "" : formatRatio(p.rps / reference.rps);
    const ms = (value: number) => (Number.isFinite(value) ? formatTime(value * 1e6) : "n/a");
    const cpu = (us: number | undefined) => (us !== undefined && Number.isFinite(us) ? `${us.toFixed(1)} µs` : "");
    lines.push(
      `| ${p.group} | ${p.subject} | ${p.tool} | ${p.connections} | ${p.requests} | ${p.errors} | ${p.rps.toFixed(0)} | ${ms(
        p.p50Ms,
      )} | ${ms(p.p99Ms)} | ${ratio} | ${cpu(p.cpuUsPerRequest)} | ${p.note ?? ""} |`,
    );
  }
  return lines.join("\n");
}

function serverMemoryTable(results: Results): string {
  if (results.serverMemory.length === 0) return "_not run_";
  const lines = [
    "| run | requests | errors | req/s | MiB/s | RSS idle MiB | RSS max MiB | RSS after MiB | JS heap idle MiB | JS heap max MiB |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const p of results.serverMemory) {
    lines.push(
      `| ${p.label} | ${p.requests} | ${p.errors} | ${p.rps.toFixed(1)} | ${p.mibPerSecond.toFixed(0)} | ${p.rssIdleMiB.toFixed(0)} | ${p.rssMaxMiB.toFixed(0)} | ${p.rssEndMiB.toFixed(0)} | ${p.heapIdleMiB.toFixed(0)} | ${p.heapMaxMiB.toFixed(0)} |`,
    );
  }
  return lines.join("\n");
}

function searchTable(results: Results): string {
  if (results.search.length === 0) return "_not run_";
  const lines = [
    "| data | entries | subject | queries | p50 | p99 | recall@1 | vs usearch (p50) | how |",
    "|---|--:|---|--:|--:|--:|--:|--:|---|",
  ];
  const ms = (value: number) => formatTime(value * 1e6);
  for (const p of results.search) {
    const limit = results.search.find((r) => r.dataset === p.dataset && r.subject === "usearch exactSearch");
    const ratio = limit === undefined || p.rps !== undefined ? "" : formatRatio(p.p50Ms / limit.p50Ms);
    const recall = p.recallAt1 === undefined ? "" : p.recallAt1.toFixed(3);
    lines.push(
      `| ${p.dataset} | ${p.entries} | ${p.subject} | ${p.queries} | ${ms(p.p50Ms)} | ${ms(p.p99Ms)} | ${recall} | ${ratio} | ${p.note ?? ""} |`,
    );
  }
  const open = results.searchOpen;
  if (open !== undefined) {
    lines.push(
      "",
      `Open of the ${open.entries}-entry uniform store (after a clean close) until its index is ready: ${open.seconds.toFixed(2)} s; ` +
        `index ${open.indexMiB.toFixed(0)} MiB by its own estimate (lookupStats().bytes); ` +
        `first query after it: ${open.firstQueryHits} hit(s).`,
    );
  }
  return lines.join("\n");
}

function clusterSearchTable(results: Results): string {
  if (results.clusterSearch.length === 0) return "_not run_";
  const lines = [
    "| measure | subject | samples | p50 | p99 | vs NvmeStorage (p50) | how |",
    "|---|---|--:|--:|--:|--:|---|",
  ];
  const ms = (value: number) => (Number.isFinite(value) ? formatTime(value * 1e6) : "");
  for (const p of results.clusterSearch) {
    const reference = results.clusterSearch.find((r) => r.measure === p.measure && r.subject === "NvmeStorage");
    const ratio = reference === undefined ? "" : formatRatio(p.p50Ms / reference.p50Ms);
    lines.push(
      `| ${p.measure} | ${p.subject} | ${p.samples} | ${ms(p.p50Ms)} | ${ms(p.p99Ms)} | ${ratio} | ${p.note ?? ""} |`,
    );
  }
  return lines.join("\n");
}

function verdictTable(verdicts: readonly Verdict[]): string {
  const lines = ["| target | goal | measured | verdict |", "|---|---|---|---|"];
  for (const v of verdicts) {
    const word = v.met === undefined ? "NOT MEASURED" : v.met ? "MET" : "**MISSED**";
    lines.push(`| ${v.target} | ${v.goal} | ${v.measured} | ${word} |`);
  }
  return lines.join("\n");
}

/** Markers of the section a partial run (`--only=...`) writes, keyed by its scenarios. */
export function partialMarkers(scenarios: readonly string[]): { begin: string; end: string } {
  const key = scenarios.join(",");
  return {
    begin: `<!-- bench:partial:${key}:begin (written by \`bun run bench -- --only=${key} --write\`) -->`,
    end: `<!-- bench:partial:${key}:end -->`,
  };
}

/**
 * The whole results section; with `only`, just the sections of those scenarios and the
 * targets they measured (a partial run that leaves the full run's section as it is).
 */
export function renderReport(
  results: Results,
  verdicts: readonly Verdict[],
  machine: string,
  only: ReadonlySet<string> | null = null,
): string {
  const wanted = (scenario: string) => only === null || only.has(scenario);
  const section = (scenario: string, lines: string[]) => (wanted(scenario) ? lines : []);
  return [
    "### Machine and run",
    "",
    machine,
    "",
    "### Targets",
    "",
    verdictTable(only === null ? verdicts : verdicts.filter((v) => v.met !== undefined)),
    "",
    ...section("load", [
      "### 1. Load (cold: handle cache off, page cache warm; hot: handle cache on)",
      "",
      rowsTable(results, "load"),
      "",
    ]),
    ...section("store", [
      "### 2. Store (every write creates a new id; windows: figures per op)",
      "",
      rowsTable(results, "store"),
      "",
    ]),
    ...section("scale", [
      "### 3. Tenant size: how each cost grows (4 KiB entries)",
      "",
      growthTable(results),
      "",
      rowsTable(results, "scale"),
      "",
    ]),
    ...section("http", [
      "### 4. HTTP over loopback (64 connections; servers in child processes)",
      "",
      httpTable(results),
      "",
      "Server memory while streaming a 16 MiB payload (RSS from /proc/<pid>/status, JS heap from the server process):",
      "",
      serverMemoryTable(results),
      "",
    ]),
    ...section("memory", [
      "### 5. Memory while loading distinct entries (default store options)",
      "",
      memoryTable(results),
      "",
    ]),
    ...section("retention", [
      "### 6. Retention: load and store while eviction and expiry run (vs the same store unbounded)",
      "",
      rowsTable(results, "retention"),
      "",
    ]),
    ...section("skew", [
      "### 7. Skewed loads (same key, 8 hot keys, Zipf(1.0); ratios against the unbounded store)",
      "",
      rowsTable(results, "skew"),
      "",
    ]),
    ...section("search", [
      "### 8. Search: one tenant of 768-dim f16 embeddings, near-duplicate queries (cosine 0.9-0.95), threshold 0.9",
      "",
      searchTable(results),
      "",
      "Store and delete with the lookup index on vs off (same run, interleaved):",
      "",
      rowsTable(results, "search"),
      "",
    ]),
    ...section("redis-cluster", [
      "### 9. Redis Cluster (3 masters + 3 replicas on loopback, appendfsync always; vs raw ioredis on the same cluster)",
      "",
      rowsTable(results, "redis-cluster"),
      "",
      "The HTTP server (child processes, fetch client, 64 connections) on the cluster vs on local files (durable):",
      "",
      httpTable(results, "cluster"),
      "",
    ]),
    ...section("tls", [
      "### 10. TLS: the same server over http and over https (64 keep-alive connections, fetch client; servers in child processes)",
      "",
      httpTable(results, "tls"),
      "",
    ]),
    ...section("cluster-search", [
      "### 11. Search on the Redis Cluster (scenario 9's cluster: two servers, change logs, re-checked hits)",
      "",
      clusterSearchTable(results),
      "",
    ]),
    ...section("gateway", [
      "### 12. The caching gateway (servers in child processes on loopback; the same fake upstream behind each)",
      "",
      gatewayLatencyTable(results, GATEWAY_PREFIX),
      "",
      "Exact hits at 64 connections (Portkey: a pass-through to the fake upstream):",
      "",
      httpTable(results, "gateway"),
      "",
    ]),
    ...section("semantic", [
      "### 13. The gateway's semantic hit (768-dim fake embeddings; servers in child processes on loopback)",
      "",
      gatewayLatencyTable(results, SEMANTIC_PREFIX),
      "",
    ]),
    ...(results.notes.length === 0 ? [] : ["### Notes of this run", "", ...results.notes.map((n) => `- ${n}`)]),
  ]
    .join("\n")
    .trimEnd();
}
