/** What the scenarios record, and how it is looked up by the targets and the report. */
import type { Figure } from "./harness.ts";

/** One measured figure in the results table. */
export interface Row {
  /** Scenario id: load, store, scale, memory, retention. */
  readonly scenario: string;
  /** What is compared side by side, e.g. `cold load 4 KiB`. */
  readonly group: string;
  /** Who does it, e.g. `reflex loadSync` or `raw readSync`. */
  readonly subject: string;
  readonly figure: Figure;
  /** The raw limit of its group: the other rows' ratios are against it. */
  readonly reference?: boolean;
  /** A short note shown after the subject. */
  readonly note?: string;
  /** What the reference is called in the ratio column. Default `raw`. */
  readonly referenceLabel?: string;
}

/** One subject of scenario 4 (HTTP): a load run pooled over its rounds. */
export interface HttpPoint {
  /** What is compared, e.g. `GET payload 4 KiB`. */
  readonly group: string;
  /** Who serves it, e.g. `reflex (Hono)` or `bare Bun.serve`. */
  readonly subject: string;
  /** The load generator: `fetch client` or `wrk`. */
  readonly tool: string;
  readonly connections: number;
  readonly seconds: number;
  readonly requests: number;
  readonly errors: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server CPU per request in µs (user + system, from /proc), steadier than req/s on shared cores. */
  readonly cpuUsPerRequest?: number;
  /** The subject the group's ratios are against (same tool). */
  readonly reference?: boolean;
  readonly note?: string;
}

/** The server's memory while it streams a large payload (scenario 4). */
export interface ServerMemoryPoint {
  readonly label: string;
  readonly requests: number;
  readonly errors: number;
  readonly rps: number;
  readonly mibPerSecond: number;
  readonly rssIdleMiB: number;
  readonly rssMaxMiB: number;
  readonly rssEndMiB: number;
  readonly heapIdleMiB: number;
  readonly heapMaxMiB: number;
}

/** One point of the memory scenario. */
export interface MemoryPoint {
  readonly variant: string;
  readonly loaded: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
  readonly liveMappings: number;
  readonly cacheEntries: number;
  readonly cacheMiB: number;
}

/** One subject of scenario 7 (search) on one dataset: per-query latency and recall. */
export interface SearchPoint {
  readonly dataset: string;
  readonly entries: number;
  readonly subject: string;
  readonly queries: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Top-1 agreement with the brute-force scan (same threshold), when measured. */
  readonly recallAt1?: number;
  /** Searches per second, for the throughput points (64 in flight). */
  readonly rps?: number;
  readonly note?: string;
}

/** Scenario 7: a store of N entries opened until its lookup index is ready. */
export interface SearchOpenPoint {
  readonly entries: number;
  readonly seconds: number;
  /** The index's own estimate of its bytes. */
  readonly indexMiB: number;
  readonly firstQueryHits: number;
}

/** Scenario 11: one measure of the lookup on Redis Cluster (times in ms; NaN where it does not apply). */
export interface ClusterSearchPoint {
  readonly measure: string;
  readonly subject: string;
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly note?: string;
}

/** One latency measure of the gateway scenario (times in ms): one request at a time. */
export interface GatewayLatencyPoint {
  /** What is measured, e.g. `exact hit` or `miss (unique requests)`. */
  readonly measure: string;
  readonly subject: string;
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The subject the measure's added latency is against (the upstream called directly, or bare Bun.serve). */
  readonly reference?: boolean;
  readonly note?: string;
}

/** Everything one run measured. */
export class Results {
  readonly rows: Row[] = [];
  readonly memory: MemoryPoint[] = [];
  readonly http: HttpPoint[] = [];
  readonly serverMemory: ServerMemoryPoint[] = [];
  readonly search: SearchPoint[] = [];
  searchOpen: SearchOpenPoint | undefined;
  readonly clusterSearch: ClusterSearchPoint[] = [];
  readonly gatewayLatency: GatewayLatencyPoint[] = [];
  /** Free-form notes scenarios leave for the report (what was skipped and why). */
  readonly notes: string[] = [];

  add(row: Row): void {
    this.rows.push(row);
  }

  /** The row of `subject` in `group`, if measured. */
  find(group: string, subject: string): Row | undefined {
    return this.rows.find((row) => row.group === group && row.subject === subject);
  }

  /** The reference row of `group`, if any. */
  reference(group: string): Row | undefined {
    return this.rows.find((row) => row.group === group && row.reference === true);
  }
}
