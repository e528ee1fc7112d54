/**
 * Load generators for scenario 4, against 127.0.0.1 only: an in-repo client (N
 * concurrent loops of one `fetch` each, for a fixed duration) and `wrk` when it is
 * on the PATH (never installed by the bench). Both report requests/s and p50/p99 latency.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** What one load run measured. */
export interface LoadResult {
  readonly tool: string;
  /** Operations that completed with an expected status. */
  readonly ok: number;
  /** Operations that failed or answered an unexpected status. */
  readonly errors: number;
  readonly seconds: number;
  /** Latencies of completed operations, in ms. */
  readonly latenciesMs: number[];
  /** CPU seconds the server used during the run (from /proc), when it is a child process. */
  readonly serverCpuSeconds?: number;
  /** Set by wrk (it reports percentiles, not samples). */
  readonly p50Ms?: number;
  readonly p99Ms?: number;
}

/** Pools several runs of one subject (interleaved rounds) into one figure. */
export function poolResults(results: readonly LoadResult[]): {
  tool: string;
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU per completed request in µs (NaN when not measured). */
  cpuUsPerRequest: number;
} {
  const ok = results.reduce((sum, r) => sum + r.ok, 0);
  const errors = results.reduce((sum, r) => sum + r.errors, 0);
  const seconds = results.reduce((sum, r) => sum + r.seconds, 0);
  const latencies = results.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.floor(q * (latencies.length - 1))] ?? Number.NaN;
  // wrk gives percentiles only: the pooled figure is their mean over the rounds.
  const mean = (pick: (r: LoadResult) => number | undefined) =>
    results.reduce((sum, r) => sum + (pick(r) ?? 0), 0) / results.length;
  const fromWrk = latencies.length === 0;
  return {
    tool: results[0]?.tool ?? "?",
    requests: ok,
    errors,
    seconds,
    rps: ok / seconds,
    p50Ms: fromWrk ? mean((r) => r.p50Ms) : at(0.5),
    p99Ms: fromWrk ? mean((r) => r.p99Ms) : at(0.99),
    cpuUsPerRequest: (results.reduce((sum, r) => sum + (r.serverCpuSeconds ?? Number.NaN), 0) * 1e6) / ok,
  };
}

/**
 * Runs `op` in `concurrency` loops for `durationMs`: each loop starts its next call
 * when the previous one settles (so `concurrency` are in flight all along).
 */
export async function runLoops(
  concurrency: number,
  durationMs: number,
  op: () => Promise<boolean>,
  tool: string,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let ok = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const loop = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      let good = false;
      try {
        good = await op();
      } catch {
        good = false;
      }
      if (good) {
        ok++;
        latenciesMs.push(performance.now() - t0);
      } else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { tool, ok, errors, seconds: (performance.now() - started) / 1000, latenciesMs };
}

/** One kind of request: method, path per request (a counter), headers, body. */
export interface RequestSpec {
  readonly method: "GET" | "PUT" | "HEAD" | "POST";
  /** The path of the n-th request (PUTs use a new id each time). */
  readonly path: (n: number) => string;
  readonly headers?: Record<string, string>;
  readonly body?: Uint8Array;
  /** Statuses counted as success. */
  readonly okStatus: readonly number[];
  /** Read the response body in chunks and drop them (large payloads) instead of buffering it. */
  readonly streamBody?: boolean;
  /** For an https origin: the certificate(s) to trust (fetch client only). */
  readonly tls?: { readonly ca: string };
}

/** The in-repo client: `concurrency` fetch loops against `origin` (keep-alive connections). */
export function fetchLoad(origin: string, spec: RequestSpec, concurrency: number, durationMs: number) {
  let n = 0;
  const op = async () => {
    const response = await fetch(`${origin}${spec.path(n++)}`, {
      method: spec.method,
      ...(spec.headers === undefined ? {} : { headers: spec.headers }),
      ...(spec.body === undefined ? {} : { body: spec.body }),
      ...(spec.tls === undefined ? {} : { tls: spec.tls }),
    });
    if (spec.streamBody === true && response.body !== null) {
      for await (const _chunk of response.body) {
        // drop it
      }
    } else await response.arrayBuffer();
    return spec.okStatus.includes(response.status);
  };
  return runLoops(concurrency, durationMs, op, "fetch client");
}

/** Whether `wrk` is on the PATH. The bench never installs it. */
export function wrkPath(): string | null {
  return Bun.which("wrk");
}

function luaString(text: string): string {
  return JSON.stringify(text); // a JSON string of ASCII is a valid Lua string literal
}

/** The wrk script of `spec`: per-request paths from a per-thread counter, the body read from a file. */
function wrkScript(spec: RequestSpec, dir: string, target: WrkTarget): string {
  const headers = Object.entries(spec.headers ?? {})
    .map(([key, value]) => `wrk.headers[${luaString(key)}] = ${luaString(value)}`)
    .join("\n");
  let bodyLine = "";
  if (spec.body !== undefined) {
    const bodyPath = join(dir, `wrk-body-${spec.body.byteLength}.bin`);
    writeFileSync(bodyPath, spec.body);
    bodyLine = `local f = io.open(${luaString(bodyPath)}, "rb"); wrk.body = f:read("*a"); f:close()`;
  }
  // PUTs need a fresh id per request: thread k counts k*1e9, k*1e9+1, ... (path(n) = prefix .. n).
  return `wrk.method = ${luaString(spec.method)}
${headers}
${bodyLine}
local counter = 1
setup = function(thread) thread:set("base", counter * 1000000000); counter = counter + 1 end
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, ${wrkPathExpression(target)})
end
`;
}

function parseWrkTime(value: string, unit: string): number {
  const n = Number(value);
  return unit === "us" ? n / 1000 : unit === "ms" ? n : unit === "s" ? n * 1000 : unit === "m" ? n * 60_000 : n;
}

/**
 * The path wrk requests: always the same; `prefix` + a per-thread counter (a new id per
 * PUT); or ids `first` .. `first + count - 1` in turn, between `prefix` and `suffix`.
 */
export type WrkTarget =
  | { readonly fixed: string }
  | { readonly prefix: string }
  | {
      readonly cycle: {
        readonly prefix: string;
        readonly first: number;
        readonly count: number;
        readonly suffix: string;
      };
    };

/** The Lua expression of the n-th request's path (`base` is the thread's counter base). */
function wrkPathExpression(target: WrkTarget): string {
  if ("fixed" in target) return luaString(target.fixed);
  if ("prefix" in target) return `${luaString(target.prefix)} .. string.format("%d", base + n)`;
  const { prefix, first, count, suffix } = target.cycle;
  return `${luaString(prefix)} .. string.format("%d", ${first} + (base + n) % ${count}) .. ${luaString(suffix)}`;
}

/**
 * Runs wrk (2 threads) against `origin` with `spec`'s method, headers and body, at
 * the path `target` gives. Non-2xx/3xx responses and socket errors count as errors.
 */
export async function wrkLoad(
  origin: string,
  spec: RequestSpec,
  target: WrkTarget,
  concurrency: number,
  durationMs: number,
  scratchDir: string,
): Promise<LoadResult> {
  const wrk = wrkPath();
  if (wrk === null) throw new Error("wrk not found");
  const scriptPath = join(scratchDir, `wrk-${spec.method}-${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(scriptPath, wrkScript(spec, scratchDir, target));
  const seconds = Math.max(1, Math.round(durationMs / 1000));
  const args = ["-t2", `-c${concurrency}`, `-d${seconds}s`, "--latency", "-s", scriptPath, origin];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(wrk, args, { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (chunk) => {
      text += chunk;
    });
    child.stderr.on("data", (chunk) => {
      text += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`))));
  });
  const total = Number(/(\d+) requests in ([\d.]+)(\w+)/.exec(output)?.[1] ?? Number.NaN);
  const timeMatch = /requests in ([\d.]+)(us|ms|s|m),/.exec(output);
  const elapsed = timeMatch === null ? seconds : parseWrkTime(timeMatch[1] ?? "0", timeMatch[2] ?? "s") / 1000;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const errors =
    non2xx + (socketErrors === null ? 0 : socketErrors.slice(1).reduce((sum, value) => sum + Number(value), 0));
  const percentile = (label: string) => {
    const m = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s|m)`).exec(output);
    return m === null ? Number.NaN : parseWrkTime(m[1] ?? "", m[2] ?? "ms");
  };
  return {
    tool: "wrk",
    ok: total - non2xx,
    errors,
    seconds: elapsed,
    latenciesMs: [],
    p50Ms: percentile("50"),
    p99Ms: percentile("99"),
  };
}
