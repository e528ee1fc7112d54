/**
 * The benchmark entry point: `bun run bench` from the repository root.
 *
 *   bun bench/run.ts [--quick] [--only=load,store,scale,http,memory,retention,skew,search,redis-cluster,tls,cluster-search,gateway,semantic] [--write]
 *
 * Runs the scenarios (all by default; `--only` takes names or numbers 1 to 13),
 * prints the results as Markdown on stdout (progress on stderr), and with `--write`
 * replaces the results section of BENCHMARKS.md (between its markers). Data lives
 * in a temp directory under os.tmpdir(), removed at the end.
 *
 * @example
 * bun run bench:quick                 # under two minutes
 * bun run bench -- --write            # full run, updates BENCHMARKS.md
 * bun bench/run.ts --quick --only=load
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dropFilledTenants, removeBenchRoot } from "./fixtures.ts";
import { FULL_MODE, QUICK_MODE, setMode } from "./harness.ts";
import { BEGIN_MARKER, END_MARKER, machineSection, partialMarkers, renderReport } from "./report.ts";
import { Results } from "./results.ts";
import { runClusterSearch } from "./scenarios/cluster-search.ts";
import { runGateway } from "./scenarios/gateway.ts";
import { runHttp } from "./scenarios/http.ts";
import { runHttpTls } from "./scenarios/http-tls.ts";
import { runLoad } from "./scenarios/load.ts";
import { runMemory } from "./scenarios/memory.ts";
import { runRedisCluster } from "./scenarios/redis-cluster.ts";
import { runRetention } from "./scenarios/retention.ts";
import { runScale } from "./scenarios/scale.ts";
import { runSearch } from "./scenarios/search.ts";
import { runSemantic } from "./scenarios/semantic.ts";
import { runSkew } from "./scenarios/skew.ts";
import { runStore } from "./scenarios/store.ts";
import { evaluateTargets } from "./targets.ts";

const SCENARIOS = [
  { name: "load", number: "1", run: runLoad },
  { name: "store", number: "2", run: runStore },
  { name: "scale", number: "3", run: runScale },
  { name: "http", number: "4", run: runHttp },
  { name: "memory", number: "5", run: runMemory },
  { name: "retention", number: "6", run: runRetention },
  { name: "skew", number: "7", run: runSkew },
  { name: "search", number: "8", run: runSearch },
  { name: "redis-cluster", number: "9", run: runRedisCluster },
  { name: "tls", number: "10", run: runHttpTls },
  { name: "cluster-search", number: "11", run: runClusterSearch },
  { name: "gateway", number: "12", run: runGateway },
  { name: "semantic", number: "13", run: runSemantic },
] as const;

interface Args {
  readonly quick: boolean;
  readonly write: boolean;
  readonly only: ReadonlySet<string> | null;
}

function usage(message: string): never {
  console.error(
    `${message}\nusage: bun bench/run.ts [--quick] [--only=load,store,scale,http,memory,retention,skew,search,redis-cluster,tls,cluster-search,gateway,semantic] [--write]`,
  );
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  let quick = false;
  let write = false;
  let only: Set<string> | null = null;
  for (const arg of argv) {
    if (arg === "--quick") quick = true;
    else if (arg === "--write") write = true;
    else if (arg.startsWith("--only=")) {
      only = new Set();
      for (const wanted of arg.slice("--only=".length).split(",")) {
        const scenario = SCENARIOS.find((s) => s.name === wanted || s.number === wanted);
        if (scenario === undefined) usage(`unknown scenario ${JSON.stringify(wanted)}`);
        only.add(scenario.name);
      }
    } else usage(`unknown argument ${JSON.stringify(arg)}`);
  }
  return { quick, write, only };
}

/**
 * Replaces the results section of BENCHMARKS.md; a partial run (`--only`) writes its own
 * section (added after the full run's when missing) and leaves the full run's as it is.
 */
function writeBenchmarksMd(report: string, only: readonly string[] | null): string {
  const path = join(import.meta.dir, "..", "BENCHMARKS.md");
  const markers = only === null ? { begin: BEGIN_MARKER, end: END_MARKER } : partialMarkers(only);
  const section = `${markers.begin}\n\n${report}\n\n${markers.end}`;
  let current = existsSync(path) ? readFileSync(path, "utf8") : `# Benchmarks\n\n${BEGIN_MARKER}\n${END_MARKER}\n`;
  if (only !== null && !current.includes(markers.begin)) {
    const afterFull = current.indexOf(END_MARKER);
    if (afterFull < 0) throw new Error(`${path} lacks the results markers; add them and re-run`);
    const at = afterFull + END_MARKER.length;
    current = `${current.slice(0, at)}\n\n${markers.begin}\n${markers.end}${current.slice(at)}`;
  }
  const begin = current.indexOf(markers.begin);
  const end = current.indexOf(markers.end);
  if (begin < 0 || end < begin) throw new Error(`${path} lacks the results markers; add them and re-run`);
  writeFileSync(path, `${current.slice(0, begin)}${section}${current.slice(end + markers.end.length)}`);
  // The repository lints Markdown too: align the tables the way biome wants them.
  const biome = spawnSync(join(import.meta.dir, "..", "node_modules", ".bin", "biome"), ["format", "--write", path], {
    encoding: "utf8",
  });
  if (biome.status !== 0) console.error(`[bench] biome format ${path} failed; run \`bun run format\``);
  return path;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  setMode(args.quick ? QUICK_MODE : FULL_MODE);
  const results = new Results();
  const started = performance.now();
  const cleanup = () => {
    dropFilledTenants();
    removeBenchRoot();
  };
  process.on("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  try {
    for (const scenario of SCENARIOS) {
      if (args.only !== null && !args.only.has(scenario.name)) continue;
      const t0 = performance.now();
      console.error(`[bench] scenario ${scenario.number} (${scenario.name})...`);
      await scenario.run(results);
      console.error(`[bench] scenario ${scenario.number} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    cleanup();
  }
  const command = `bun run bench${args.quick ? ":quick" : ""}${args.write || args.only !== null ? " --" : ""}${
    args.only === null ? "" : ` --only=${[...args.only].join(",")}`
  }${args.write ? " --write" : ""}`;
  const report = renderReport(
    results,
    evaluateTargets(results),
    machineSection(command, args.quick ? "quick" : "full"),
    args.only,
  );
  console.log(report);
  console.error(`[bench] total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (args.write)
    console.error(
      `[bench] wrote ${writeBenchmarksMd(report, args.only === null ? null : SCENARIOS.filter((s) => args.only?.has(s.name)).map((s) => s.name))}`,
    );
}

await main();
// The report is out: exit now rather than when every handle is gone (the redis-cluster
// scenario's HTTP PUTs to the server on files leave something behind that kept the process
// alive for minutes after its report; not root-caused).
process.exit(0);
