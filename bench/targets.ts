/** The targets, evaluated against a run's results. */
import { PAYLOAD_SIZES } from "./fixtures.ts";
import { gatewayTargets } from "./gateway-targets.ts";
import { formatRatio, formatTime } from "./harness.ts";
import type { Results } from "./results.ts";
import { CLUSTER_SEARCH, CLUSTER_SEARCH_SUBJECTS } from "./scenarios/cluster-search.ts";
import { BARE_SUBJECT, HTTP_GROUPS, IN_PROCESS_SUBJECT, REFLEX_SUBJECT } from "./scenarios/http.ts";
import { coldGroup, hotGroup } from "./scenarios/load.ts";
import { CLUSTER_GROUPS, CLUSTER_SUBJECTS } from "./scenarios/redis-cluster.ts";
import { BOUNDED, RETENTION_GROUPS, UNBOUNDED } from "./scenarios/retention.ts";
import { scaleGroup, sizeLabel, tenantSizes } from "./scenarios/scale.ts";
import {
  HTTP_SEARCH,
  IN_PROCESS_SEARCH,
  INDEX_OFF,
  INDEX_ON,
  OVERHEAD_GROUPS,
  SEARCH_SUBJECTS,
} from "./scenarios/search.ts";
import { storeGroup } from "./scenarios/store.ts";
import { semanticTargets } from "./semantic-targets.ts";
import { median, type Verdict, verdict } from "./verdict.ts";
import { walTargets } from "./wal-targets.ts";

export type { Verdict } from "./verdict.ts";

const [size4k] = PAYLOAD_SIZES;

/** Evaluates every target. Ratios of times: reflex / other (lower is better). */
export function evaluateTargets(results: Results): Verdict[] {
  const verdicts: Verdict[] = [];
  const cold4k = coldGroup(size4k);
  const reflexCold = median(results, cold4k, "reflex loadSync");
  verdicts.push(
    verdict(
      "cold load 4 KiB vs raw readSync loop",
      "<= 1.3x",
      [reflexCold, median(results, cold4k, "raw readSync")],
      (reflex, raw) => ({ measured: formatRatio(reflex / raw), met: reflex / raw <= 1.3 }),
    ),
  );
  for (const peer of ["lmdb getBinary", "sqlite get"]) {
    verdicts.push(
      verdict(`cold load 4 KiB vs ${peer}`, "faster", [reflexCold, median(results, cold4k, peer)], (reflex, other) => ({
        measured: `${formatTime(reflex)} vs ${formatTime(other)} (${formatRatio(reflex / other)})`,
        met: reflex < other,
      })),
    );
  }
  for (const size of PAYLOAD_SIZES) {
    verdicts.push(
      verdict(`hot load ${size.label}`, "<= 1 µs", [median(results, hotGroup(size), "reflex loadSync")], (hot) => ({
        measured: formatTime(hot),
        met: hot <= 1000,
      })),
    );
  }
  for (const size of PAYLOAD_SIZES) {
    const group = storeGroup(true, size, 1);
    verdicts.push(
      verdict(
        `durable storeSync ${size.label} vs raw write+fsync+rename+dir-fsync loop`,
        "<= 1.15x",
        [median(results, group, "reflex storeSync"), median(results, group, "raw loop")],
        (reflex, raw) => ({ measured: formatRatio(reflex / raw), met: reflex / raw <= 1.15 }),
      ),
    );
  }
  for (const size of PAYLOAD_SIZES) {
    const group = storeGroup(true, size, 64);
    verdicts.push(
      verdict(
        `durable store ${size.label}, 64 in flight: throughput vs lmdb batched durable put`,
        ">= 1x",
        [median(results, group, "reflex store"), median(results, group, "lmdb put batched")],
        (reflex, lmdb) => ({ measured: `${formatRatio(lmdb / reflex)} lmdb's`, met: reflex <= lmdb }),
      ),
    );
  }
  for (const size of PAYLOAD_SIZES) {
    for (const inFlight of [1, 64]) {
      const group = storeGroup(false, size, inFlight);
      verdicts.push(
        verdict(
          `atomic-only store ${size.label}, ${inFlight === 1 ? "one at a time" : "64 in flight"}: throughput vs cacache put`,
          ">= 5x",
          [
            median(results, group, inFlight === 1 ? "reflex storeSync" : "reflex store"),
            median(results, group, "cacache put"),
          ],
          (reflex, cacache) => ({ measured: formatRatio(cacache / reflex), met: cacache / reflex >= 5 }),
        ),
      );
    }
  }
  for (const size of PAYLOAD_SIZES) {
    const group = coldGroup(size);
    verdicts.push(
      verdict(
        `cold load ${size.label}: throughput vs cacache get`,
        ">= 20x",
        [median(results, group, "reflex loadSync"), median(results, group, "cacache get")],
        (reflex, cacache) => ({ measured: formatRatio(cacache / reflex), met: cacache / reflex >= 20 }),
      ),
    );
  }
  const [small, large] = tenantSizes() as [number, number];
  const growth = (subject: string) => [
    median(results, scaleGroup(large), subject),
    median(results, scaleGroup(small), subject),
  ];
  verdicts.push(
    verdict(
      `load latency, tenant of ${sizeLabel(large)} vs ${sizeLabel(small)}`,
      "<= 1.2x",
      growth("loadSync (cache off)"),
      (big, little) => ({ measured: formatRatio(big / little), met: big / little <= 1.2 }),
    ),
  );
  verdicts.push(
    verdict(
      `liveTotals O(1): tenant of ${sizeLabel(large)} vs ${sizeLabel(small)}`,
      "flat (<= 1.5x, noise)",
      growth("liveTotals"),
      (big, little) => ({
        measured: `${formatRatio(big / little)} (${formatTime(little)} -> ${formatTime(big)})`,
        met: big / little <= 1.5,
      }),
    ),
  );
  verdicts.push(
    ...httpTargets(results),
    ...retentionTargets(results),
    ...searchTargets(results),
    ...clusterTargets(results),
    ...clusterSearchTargets(results),
  );
  return verdicts;
}

/** Scenario 7: RedisClusterStore against raw ioredis on the same cluster, as throughput ratios. */
function clusterTargets(results: Results): Verdict[] {
  const pairs = [
    [
      "cluster load 4 KiB, 64 in flight vs raw ioredis GET",
      CLUSTER_GROUPS.load,
      CLUSTER_SUBJECTS.load,
      CLUSTER_SUBJECTS.rawGet,
    ],
    [
      "cluster store 4 KiB atomic vs raw ioredis SET",
      CLUSTER_GROUPS.atomic,
      CLUSTER_SUBJECTS.store,
      CLUSTER_SUBJECTS.rawSet,
    ],
    [
      "cluster store 4 KiB replicated vs raw ioredis SET + WAIT 1",
      CLUSTER_GROUPS.replicated,
      CLUSTER_SUBJECTS.store,
      CLUSTER_SUBJECTS.rawSetWait,
    ],
  ] as const;
  return pairs.map(([target, group, subject, raw]) =>
    verdict(
      target,
      ">= 0.8x throughput",
      [median(results, group, subject), median(results, group, raw)],
      (ours, theirs) => ({
        measured: `${formatRatio(theirs / ours)} (${formatTime(ours)} vs ${formatTime(theirs)} per op)`,
        met: theirs / ours >= 0.8,
      }),
    ),
  );
}

/** Scenario 11: the lag between two servers, and search on the cluster against the same search on files. */
function clusterSearchTargets(results: Results): Verdict[] {
  const lag = results.clusterSearch.find((p) => p.measure === CLUSTER_SEARCH.lag);
  const search = (subject: string) =>
    results.clusterSearch.find((p) => p.measure.startsWith(CLUSTER_SEARCH.search) && p.subject === subject);
  const cluster = search(CLUSTER_SEARCH_SUBJECTS.cluster);
  const nvme = search(CLUSTER_SEARCH_SUBJECTS.nvme);
  const size = cluster?.measure.slice(CLUSTER_SEARCH.search.length + 4) ?? "";
  return [
    verdict(
      "write on server A found by a lookup on server B: lag p99",
      "<= 1 s",
      [lag?.p99Ms, lag?.p50Ms],
      (p99, p50) => ({
        measured: `${formatTime(p99 * 1e6)} (p50 ${formatTime(p50 * 1e6)}, ${lag?.samples} writes)`,
        met: p99 <= 1000,
      }),
    ),
    verdict(
      `search k=1 on the cluster vs NvmeStorage, ${size}: p50`,
      "<= 1.5x",
      [cluster?.p50Ms, nvme?.p50Ms, cluster?.p99Ms, nvme?.p99Ms],
      (ours, files, ours99, files99) => ({
        measured: `${formatRatio(ours / files)} (${formatTime(ours * 1e6)} vs ${formatTime(files * 1e6)}; p99 ${formatTime(ours99 * 1e6)} vs ${formatTime(files99 * 1e6)})`,
        met: ours / files <= 1.5,
      }),
    ),
  ];
}

/** Scenario 4: throughputs are requests/s (higher is better), per load generator. */
function httpTargets(results: Results): Verdict[] {
  const verdicts: Verdict[] = [];
  const rps = (group: string, subject: string, tool?: string) =>
    results.http.find((p) => p.group === group && p.subject === subject && (tool === undefined || p.tool === tool))
      ?.rps;
  const tools = [...new Set(results.http.filter((p) => p.group === HTTP_GROUPS.payload).map((p) => p.tool))];
  for (const tool of tools.length === 0 ? ["fetch client"] : tools) {
    verdicts.push(
      verdict(
        `HTTP GET payload 4 KiB, 64 connections (${tool}): req/s vs bare Bun.serve`,
        ">= 0.8x",
        [rps(HTTP_GROUPS.payload, REFLEX_SUBJECT, tool), rps(HTTP_GROUPS.payload, BARE_SUBJECT, tool)],
        (reflex, bare) => ({
          measured: `${formatRatio(reflex / bare)} (${reflex.toFixed(0)} vs ${bare.toFixed(0)} req/s)`,
          met: reflex / bare >= 0.8,
        }),
      ),
    );
  }
  const putTools = [
    ...new Set(
      results.http.filter((p) => p.group === HTTP_GROUPS.put && p.subject === REFLEX_SUBJECT).map((p) => p.tool),
    ),
  ];
  for (const tool of putTools.length === 0 ? ["fetch client"] : putTools) {
    verdicts.push(
      verdict(
        `HTTP PUT 4 KiB durable, 64 connections (${tool}): req/s vs in-process store(), 64 in flight`,
        ">= 0.8x",
        [rps(HTTP_GROUPS.put, REFLEX_SUBJECT, tool), rps(HTTP_GROUPS.put, IN_PROCESS_SUBJECT)],
        (reflex, inProcess) => ({
          measured: `${formatRatio(reflex / inProcess)} (${reflex.toFixed(0)} vs ${inProcess.toFixed(0)} /s)`,
          met: reflex / inProcess >= 0.8,
        }),
      ),
    );
  }
  const stream = results.serverMemory[0];
  verdicts.push(
    verdict(
      "GET 16 MiB payload x 64 connections: no copy on the server's JS heap per request",
      "heap growth < 16 MiB",
      [stream?.heapIdleMiB, stream?.heapMaxMiB, stream?.rssIdleMiB, stream?.rssMaxMiB],
      (heapIdle, heapMax, rssIdle, rssMax) => ({
        measured: `heap ${heapIdle.toFixed(0)} -> ${heapMax.toFixed(0)} MiB; RSS ${rssIdle.toFixed(0)} -> ${rssMax.toFixed(0)} MiB`,
        met: heapMax - heapIdle < 16,
      }),
    ),
  );
  return verdicts;
}

/** Scenario 6: the bounded store (evicting on every store) vs the same store unbounded. */
function retentionTargets(results: Results): Verdict[] {
  return [RETENTION_GROUPS.load, RETENTION_GROUPS.store].map((group) =>
    verdict(
      `${group}: tenantMaxEntries store (evicting) vs unbounded`,
      "<= 1.10x",
      [median(results, group, BOUNDED), median(results, group, UNBOUNDED)],
      (bounded, unbounded) => ({
        measured: `${formatRatio(bounded / unbounded)} (${formatTime(bounded)} vs ${formatTime(unbounded)})`,
        met: bounded / unbounded <= 1.1,
      }),
    ),
  );
}

/** Scenario 7: the lookup issue's goals. */
function searchTargets(results: Results): Verdict[] {
  const point = (dataset: string, subject: string) =>
    results.search.find((p) => p.dataset === dataset && p.subject === subject);
  const verdicts: Verdict[] = [];
  for (const dataset of ["uniform", "clustered"]) {
    const approximate = point(dataset, SEARCH_SUBJECTS.approximate);
    const exact = point(dataset, SEARCH_SUBJECTS.exact);
    const entries = approximate?.entries ?? 0;
    verdicts.push(
      verdict(
        `search k=1, ${entries} x 768 ${dataset}: p50 / p99`,
        "<= 1 ms / <= 5 ms",
        [approximate?.p50Ms, approximate?.p99Ms],
        (p50, p99) => ({
          measured: `${formatTime(p50 * 1e6)} / ${formatTime(p99 * 1e6)}`,
          met: p50 <= 1 && p99 <= 5,
        }),
      ),
      verdict(`search recall@1, near-duplicates, ${dataset}`, ">= 0.99", [approximate?.recallAt1], (recall) => ({
        measured: recall.toFixed(3),
        met: recall >= 0.99,
      })),
      verdict(`search exact:true, ${dataset}: p50`, "<= 25 ms", [exact?.p50Ms], (p50) => ({
        measured: formatTime(p50 * 1e6),
        met: p50 <= 25,
      })),
    );
  }
  for (const group of Object.values(OVERHEAD_GROUPS)) {
    verdicts.push(
      verdict(
        `${group}: index on vs off`,
        "<= 1.10x",
        [median(results, group, INDEX_ON), median(results, group, INDEX_OFF)],
        (on, off) => ({
          measured: `${formatRatio(on / off)} (${formatTime(on)} vs ${formatTime(off)})`,
          met: on / off <= 1.1,
        }),
      ),
    );
  }
  verdicts.push(
    verdict(
      "HTTP search throughput at 64 connections vs in-process search",
      ">= 0.8x",
      [point("uniform", HTTP_SEARCH)?.rps, point("uniform", IN_PROCESS_SEARCH)?.rps],
      (http, local) => ({
        measured: `${formatRatio(http / local)} (${http.toFixed(0)} vs ${local.toFixed(0)} searches/s)`,
        met: http / local >= 0.8,
      }),
    ),
  );
  const open = results.searchOpen;
  verdicts.push(
    verdict(
      `open of a ${open?.entries ?? "?"}-entry tenant until search is ready`,
      "<= 10 s",
      [open?.seconds],
      (seconds) => ({
        measured: `${seconds.toFixed(2)} s`,
        met: seconds <= 10,
      }),
    ),
  );
  verdicts.push(...gatewayTargets(results));
  verdicts.push(...semanticTargets(results));
  verdicts.push(...walTargets(results));
  return verdicts;
}
