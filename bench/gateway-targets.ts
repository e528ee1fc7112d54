/** The gateway issue's goals (scenario 12), evaluated against a run's results. */
import type { Results } from "./results.ts";
import { GATEWAY } from "./scenarios/gateway.ts";
import type { Verdict } from "./verdict.ts";

const NOT_MEASURED = "not measured in this run";

function latency(results: Results, measure: string, subject: string): number | undefined {
  return results.gatewayLatency.find((p) => p.measure === measure && p.subject === subject)?.p50Ms;
}

function rps(results: Results, subject: string): number | undefined {
  return results.http.find((p) => p.group === GATEWAY.hitsPerSecond && p.subject === subject)?.rps;
}

function judged(
  target: string,
  goal: string,
  values: (number | undefined)[],
  judge: (...v: number[]) => Omit<Verdict, "target" | "goal">,
): Verdict {
  if (values.some((value) => value === undefined || !Number.isFinite(value))) {
    return { target, goal, measured: NOT_MEASURED, met: undefined };
  }
  return { target, goal, ...judge(...(values as number[])) };
}

/** The five gateway goals: hit latency, hits/s vs bare Bun.serve and vs Portkey, a miss's and a stream's added p50. */
export function gatewayTargets(results: Results): Verdict[] {
  const hit = latency(results, GATEWAY.hit, GATEWAY.reflex);
  const ours = rps(results, GATEWAY.reflex);
  const addedOver = (measure: string, subject: string) => {
    const via = latency(results, measure, subject);
    const direct = latency(results, measure, GATEWAY.direct);
    return via === undefined || direct === undefined ? undefined : via - direct;
  };
  const missAdded = addedOver(GATEWAY.miss, GATEWAY.reflex);
  const portkeyAdded = addedOver(GATEWAY.miss, GATEWAY.portkey);
  const ttfbAdded = addedOver(GATEWAY.ttfb, GATEWAY.reflex);
  const portkeyTtfb = addedOver(GATEWAY.ttfb, GATEWAY.portkey);
  return [
    judged("gateway exact hit p50, one request at a time (loopback)", "<= 1 ms", [hit], (p50) => ({
      measured: `${p50.toFixed(3)} ms`,
      met: p50 <= 1,
    })),
    judged(
      "gateway hits/s at 64 connections vs bare Bun.serve (same JSON, same POST)",
      ">= 0.5x",
      [ours, rps(results, GATEWAY.bare)],
      (a, b) => ({
        measured: `${(a / b).toFixed(2)}x (${a.toFixed(0)} vs ${b.toFixed(0)} req/s)`,
        met: a / b >= 0.5,
      }),
    ),
    judged(
      "gateway hits/s vs Portkey (pass-through: its npm build has no cache)",
      ">= 2x",
      [ours, rps(results, GATEWAY.portkey)],
      (a, b) => ({
        measured: `${(a / b).toFixed(2)}x (${a.toFixed(0)} vs ${b.toFixed(0)} req/s)`,
        met: a / b >= 2,
      }),
    ),
    judged(
      "latency a miss adds over the upstream called directly (p50)",
      "<= 1 ms",
      [missAdded, portkeyAdded],
      (a, p) => ({
        measured: `${a.toFixed(3)} ms (Portkey: ${p.toFixed(3)} ms)`,
        met: a <= 1,
      }),
    ),
    judged(
      "streamed miss: time to first byte over the upstream's own (p50)",
      "<= 1 ms",
      [ttfbAdded, portkeyTtfb],
      (a, p) => ({
        measured: `${a.toFixed(3)} ms (Portkey: ${p.toFixed(3)} ms)`,
        met: a <= 1,
      }),
    ),
  ];
}
