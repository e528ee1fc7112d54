/**
 * Median-and-spread measurement around mitata's `measure`: one place decides how
 * long each figure runs (quick or full mode), how it warms up, and how a figure
 * is turned into a row of the results table.
 */
import { measure } from "mitata";

/** How hard the harness works; set once by run.ts. */
export interface HarnessMode {
  readonly quick: boolean;
  /** Minimum measured time per figure, in ms, split over the rounds. */
  readonly minTimeMs: number;
  /** Minimum samples per figure, split over the rounds. */
  readonly minSamples: number;
  /** Warm-up time per figure, in ms (before its first round). */
  readonly warmupMs: number;
  /**
   * Figures compared side by side are measured in this many interleaved rounds
   * (A B C, B C A, C A B, ...) and their samples pooled, so that load from other
   * processes during the run spreads over all of them instead of hitting one.
   */
  readonly rounds: number;
}

export const QUICK_MODE: HarnessMode = { quick: true, minTimeMs: 150, minSamples: 6, warmupMs: 20, rounds: 2 };
export const FULL_MODE: HarnessMode = { quick: false, minTimeMs: 900, minSamples: 15, warmupMs: 100, rounds: 3 };

let mode: HarnessMode = FULL_MODE;

/** Sets the mode for every later figure. */
export function setMode(next: HarnessMode): void {
  mode = next;
}

/** The current mode. */
export function currentMode(): HarnessMode {
  return mode;
}

/** One measured figure: per-operation times in nanoseconds. */
export interface Figure {
  readonly medianNs: number;
  readonly p25Ns: number;
  readonly p75Ns: number;
  readonly p99Ns: number;
  /** Samples taken (a sample of a fast operation is the mean of a batch of mitata calls). */
  readonly samples: number;
}

/** Options of one measured operation. */
export interface MeasureOptions {
  /** Operations one call performs (a window of 64 stores is 64): figures are per operation. */
  readonly opsPerCall?: number;
  /** Hard cap on calls, warm-up included (operations that consume a finite pool, e.g. deletes). */
  readonly maxCalls?: number;
  /** Cap on warm-up calls. Default 1000. */
  readonly maxWarmupCalls?: number;
  /** Minimum samples, overriding the mode (slow figures). */
  readonly minSamples?: number;
}

/** One of the operations measured side by side. */
export interface Contender {
  readonly fn: () => unknown;
  readonly options?: MeasureOptions;
}

async function warmUp(fn: () => unknown, maxCalls: number): Promise<number> {
  const until = performance.now() + mode.warmupMs;
  let calls = 0;
  while (calls < maxCalls && performance.now() < until) {
    await fn();
    calls++;
  }
  return calls;
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN;
}

function figureOf(samples: number[]): Figure {
  samples.sort((a, b) => a - b);
  return {
    medianNs: percentile(samples, 0.5),
    p25Ns: percentile(samples, 0.25),
    p75Ns: percentile(samples, 0.75),
    p99Ns: percentile(samples, 0.99),
    samples: samples.length,
  };
}

/**
 * Measures `contenders` side by side with mitata: a warm-up each, then interleaved
 * rounds with a rotating order; returns per-operation median and spread of each,
 * from all its rounds' samples pooled. A contender's `fn` may return a promise.
 */
export async function measureSideBySide(contenders: readonly Contender[], rounds = mode.rounds): Promise<Figure[]> {
  const pools: number[][] = contenders.map(() => []);
  const callsLeft = contenders.map((c) => c.options?.maxCalls ?? Number.POSITIVE_INFINITY);
  for (const [i, contender] of contenders.entries()) {
    const warmCap = Math.min(contender.options?.maxWarmupCalls ?? 1000, Math.floor((callsLeft[i] ?? 0) / 4));
    callsLeft[i] = (callsLeft[i] ?? 0) - (await warmUp(contender.fn, warmCap));
  }
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + round) % contenders.length;
      const contender = contenders[i] as Contender;
      const options = contender.options ?? {};
      const left = callsLeft[i] ?? 0;
      // mitata makes 2 warm-up calls of its own; a finite pool gets no batching and a hard cap.
      const cap = Number.isFinite(left)
        ? Math.max(1, Math.floor((left - 2 * (rounds - round)) / (rounds - round)))
        : null;
      const minSamples = Math.max(2, Math.ceil((options.minSamples ?? mode.minSamples) / rounds));
      const stats = await measure(contender.fn, {
        min_cpu_time: (mode.minTimeMs / rounds) * 1e6,
        min_samples: cap === null ? minSamples : Math.min(minSamples, cap),
        ...(cap === null ? {} : { max_samples: cap, batch_threshold: 0 }),
      });
      if (cap !== null) callsLeft[i] = left - stats.samples.length - 3;
      const opsPerCall = options.opsPerCall ?? 1;
      for (const sample of stats.samples) pools[i]?.push(sample / opsPerCall);
    }
  }
  return pools.map(figureOf);
}

/** Measures one operation alone (in the mode's rounds, samples pooled). */
export async function measureOp(fn: () => unknown, options: MeasureOptions = {}): Promise<Figure> {
  const [figure] = await measureSideBySide([{ fn, options }]);
  return figure as Figure;
}

/** Formats nanoseconds as ns / µs / ms / s with three significant digits. */
export function formatTime(ns: number): string {
  if (!Number.isFinite(ns)) return "n/a";
  if (ns < 1e3) return `${ns.toPrecision(3)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toPrecision(3)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toPrecision(3)} ms`;
  return `${(ns / 1e9).toPrecision(3)} s`;
}

/** Formats operations per second from nanoseconds per operation. */
export function formatRate(ns: number): string {
  const rate = 1e9 / ns;
  if (rate >= 1e6) return `${(rate / 1e6).toPrecision(3)}M/s`;
  if (rate >= 1e3) return `${(rate / 1e3).toPrecision(3)}k/s`;
  return `${rate.toPrecision(3)}/s`;
}

/** Formats a ratio like `1.23x`. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return "n/a";
  return ratio >= 100 ? `${ratio.toFixed(0)}x` : `${ratio.toPrecision(3)}x`;
}
