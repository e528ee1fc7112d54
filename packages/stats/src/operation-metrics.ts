import { LatencyHistogram } from "./latency-histogram.ts";

/** Quantiles reported for every operation. */
export const REPORTED_QUANTILES = [0.5, 0.9, 0.99, 0.999] as const;

/** Figures of one operation kind. */
export interface OperationSnapshot {
  readonly count: number;
  /** Failures by error code. */
  readonly errors: Readonly<Record<string, number>>;
  /** Bytes moved (written by stores, read by loads). */
  readonly bytes: number;
  /** Latency in seconds. */
  readonly latencySeconds: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly p999: number;
    readonly max: number;
    readonly mean: number;
    readonly sum: number;
  };
}

/** Figures of every operation kind seen, by name. */
export type MetricsSnapshot = Readonly<Record<string, OperationSnapshot>>;

/** Entries removed by retention: expirations, and evictions by reason. */
export interface RetentionSnapshot {
  readonly expired: number;
  readonly evicted: Readonly<Record<string, number>>;
}

class OperationState {
  count = 0;
  bytes = 0;
  readonly errors = new Map<string, number>();
  readonly latency = new LatencyHistogram();
}

/**
 * Counts, errors, bytes and a latency histogram per operation. It fits the core's
 * `OperationRecorder` interface structurally, so the core records into it without
 * either package importing the other's internals.
 *
 * @example
 * const metrics = new OperationMetrics();
 * const store = new NvmeStorage(root, { recorder: metrics });
 * renderPrometheus(metrics);
 */
export class OperationMetrics {
  readonly #operations = new Map<string, OperationState>();
  #expired = 0;
  readonly #evicted = new Map<string, number>();

  /** Records an entry removed by retention: `"expired"`, or `"evicted"` with its reason. */
  retention(event: "expired" | "evicted", reason: string): void {
    if (event === "expired") this.#expired++;
    else this.#evicted.set(reason, (this.#evicted.get(reason) ?? 0) + 1);
  }

  /** Expirations and evictions so far. */
  retentionSnapshot(): RetentionSnapshot {
    return {
      expired: this.#expired,
      evicted: Object.fromEntries([...this.#evicted].sort(([a], [b]) => (a < b ? -1 : 1))),
    };
  }

  /** Records one operation: its duration in ns, its error code (null on success), the bytes it moved. */
  record(operation: string, durationNs: number, errorCode: string | null, bytes: number): void {
    let state = this.#operations.get(operation);
    if (state === undefined) {
      state = new OperationState();
      this.#operations.set(operation, state);
    }
    state.count++;
    state.bytes += bytes;
    state.latency.record(durationNs);
    if (errorCode !== null) state.errors.set(errorCode, (state.errors.get(errorCode) ?? 0) + 1);
  }

  /** The latency histogram of an operation (undefined before its first record). */
  histogram(operation: string): LatencyHistogram | undefined {
    return this.#operations.get(operation)?.latency;
  }

  /** A point-in-time copy of every figure, in seconds, ready for JSON. */
  snapshot(): MetricsSnapshot {
    const result: Record<string, OperationSnapshot> = {};
    for (const [name, state] of [...this.#operations].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const h = state.latency;
      const seconds = (ns: number) => ns / 1e9;
      result[name] = {
        count: state.count,
        errors: Object.fromEntries([...state.errors].sort(([a], [b]) => (a < b ? -1 : 1))),
        bytes: state.bytes,
        latencySeconds: {
          p50: seconds(h.quantile(0.5)),
          p90: seconds(h.quantile(0.9)),
          p99: seconds(h.quantile(0.99)),
          p999: seconds(h.quantile(0.999)),
          max: seconds(h.max),
          mean: h.count === 0 ? 0 : seconds(h.sum / h.count),
          sum: seconds(h.sum),
        },
      };
    }
    return result;
  }

  /** Forgets everything. */
  reset(): void {
    this.#operations.clear();
    this.#expired = 0;
    this.#evicted.clear();
  }
}
