/**
 * One-request-at-a-time latency for the gateway scenario: each subject's operation times
 * itself (a whole answer, or the first byte of a stream) and the subjects run in interleaved
 * rounds (A B C, B C A, ...), each round bounded by time and by a request count.
 */
import { currentMode } from "./harness.ts";
import type { Results } from "./results.ts";

/** One subject of a latency measure. */
export interface LatencySubject {
  readonly name: string;
  /** The subject the others' added latency is against. */
  readonly reference?: boolean;
  readonly note?: string;
  /** Performs the n-th request; resolves to its latency in ms, or null when it failed. */
  readonly op: (n: number) => Promise<number | null>;
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN;
}

/**
 * Measures `subjects` one request at a time, `totalMs` (and at most `maxRequests`) each over
 * the mode's rounds, and records p50 and p99 under `measure`. Failed requests are counted
 * and named in the note (they are not in the percentiles).
 */
export async function measureLatency(
  results: Results,
  measure: string,
  subjects: readonly LatencySubject[],
  totalMs: number,
  maxRequests = 50_000,
): Promise<void> {
  const rounds = currentMode().rounds;
  const samples: number[][] = subjects.map(() => []);
  const failures = subjects.map(() => 0);
  const counters = subjects.map(() => 0);
  let n = 0;
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < subjects.length; k++) {
      const i = (k + round) % subjects.length;
      const subject = subjects[i] as LatencySubject;
      const until = performance.now() + totalMs / rounds;
      for (let made = 0; made < maxRequests / rounds && performance.now() < until; made++) {
        n = counters[i] ?? 0;
        counters[i] = n + 1;
        const ms = await subject.op(n);
        if (ms === null) failures[i] = (failures[i] ?? 0) + 1;
        else samples[i]?.push(ms);
      }
    }
  }
  for (const [i, subject] of subjects.entries()) {
    const sorted = (samples[i] ?? []).sort((a, b) => a - b);
    const failed = failures[i] ?? 0;
    const notes = [subject.note, failed > 0 ? `${failed} failed` : undefined].filter((n) => n !== undefined);
    results.gatewayLatency.push({
      measure,
      subject: subject.name,
      samples: sorted.length,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      ...(subject.reference === true ? { reference: true } : {}),
      ...(notes.length === 0 ? {} : { note: notes.join("; ") }),
    });
    console.error(
      `[bench]   ${measure} / ${subject.name}: p50 ${percentile(sorted, 0.5).toFixed(3)} ms, p99 ${percentile(sorted, 0.99).toFixed(3)} ms, ${sorted.length} samples, ${failed} failed`,
    );
  }
}

/** The time to a whole answer of `request()` (its body read), or null unless it is a 200 that `check` accepts. */
export async function timeWhole(
  request: () => Promise<Response>,
  check: (response: Response) => boolean = () => true,
): Promise<number | null> {
  const started = performance.now();
  try {
    const response = await request();
    await response.arrayBuffer();
    const ms = performance.now() - started;
    return response.status === 200 && check(response) ? ms : null;
  } catch {
    return null;
  }
}

/** The time to the first body bytes of a streamed `request()` (the rest is read and dropped), or null on failure. */
export async function timeFirstByte(request: () => Promise<Response>): Promise<number | null> {
  const started = performance.now();
  try {
    const response = await request();
    if (response.status !== 200 || response.body === null) {
      await response.arrayBuffer();
      return null;
    }
    const reader = response.body.getReader();
    const first = await reader.read();
    const ms = performance.now() - started;
    let rest = await reader.read();
    while (!rest.done) rest = await reader.read();
    return first.done || first.value.byteLength === 0 ? null : ms;
  } catch {
    return null;
  }
}
