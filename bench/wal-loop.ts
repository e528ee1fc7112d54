/** What the write-ahead log's scripts (wal.ts, wal-ab.ts, wal-profile.ts, wal-timeline.ts) share. */
import { type FileOps, nodeFileOps } from "@reflex/core/testing";

/** A store as these scripts write to it. */
export interface AsyncWriter {
  store(id: bigint, entry: object): Promise<{ release(): void }>;
}

/** Stores ids `first` to `last` (inclusive) in batches of `inFlight` (one Promise.all each), releasing every handle. */
export async function storeInFlight(
  store: AsyncWriter,
  first: number,
  last: number,
  inFlight: number,
  entry: object,
): Promise<void> {
  for (let id = first; id <= last; id += inFlight) {
    const writes: Promise<{ release(): void }>[] = [];
    for (let i = id; i <= Math.min(last, id + inFlight - 1); i++) writes.push(store.store(BigInt(i), entry));
    for (const handle of await Promise.all(writes)) handle.release();
  }
}

/** One call of {@link timedFileOps}: its name, arguments, whether it ran on the thread pool, and when (ms). */
export interface TimedCall {
  readonly name: string;
  readonly args: readonly unknown[];
  readonly async: boolean;
  readonly start: number;
  readonly end: number;
}

/** The real file ops, each call reported to `onCall` once it returns (an async one once it settles). */
export function timedFileOps(onCall: (call: TimedCall) => void): FileOps {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(nodeFileOps)) {
    wrapped[name] = (...args: unknown[]) => {
      const start = performance.now();
      const result = (fn as (...a: unknown[]) => unknown)(...args);
      const report = (async: boolean) => onCall({ name, args, async, start, end: performance.now() });
      if (result instanceof Promise) return result.finally(() => report(true));
      report(false);
      return result;
    };
  }
  return wrapped as unknown as FileOps;
}
