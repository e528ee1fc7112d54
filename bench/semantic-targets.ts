/** The semantic-hit goal of issue 24 (scenario 13), evaluated against a run's results. */
import type { Results } from "./results.ts";
import { SEMANTIC, SEMANTIC_PREFIX } from "./scenarios/semantic.ts";
import type { Verdict } from "./verdict.ts";

const GOAL_MS = 2;
const TARGET = "gateway semantic hit p50, excluding the embedding call";

/**
 * One verdict per shape of the tenant measured (p50 <= 2 ms), the embedding call's share of
 * a semantic hit that must embed beside it; one "not measured" when the scenario did not run.
 */
export function semanticTargets(results: Results): Verdict[] {
  const measures = [...new Set(results.gatewayLatency.map((p) => p.measure))].filter((m) =>
    m.startsWith(SEMANTIC_PREFIX),
  );
  if (measures.length === 0) {
    return [
      {
        target: `${TARGET}, 100000 entries`,
        goal: `<= ${GOAL_MS} ms`,
        measured: "not measured in this run",
        met: undefined,
      },
    ];
  }
  return measures.map((measure) => {
    const p50 = (subject: string) =>
      results.gatewayLatency.find((p) => p.measure === measure && p.subject === subject)?.p50Ms ?? Number.NaN;
    const hit = p50(SEMANTIC.hit);
    const exact = p50(SEMANTIC.exact);
    const embedding = p50(SEMANTIC.embedding);
    const share = (100 * embedding) / (hit + embedding);
    const target = `${TARGET}: ${measure.slice(SEMANTIC_PREFIX.length).trim()}`;
    if (!Number.isFinite(hit))
      return { target, goal: `<= ${GOAL_MS} ms`, measured: "no semantic hit answered", met: false };
    return {
      target,
      goal: `<= ${GOAL_MS} ms`,
      measured: `${hit.toFixed(3)} ms (exact hit ${exact.toFixed(3)} ms; the embedding call ${embedding.toFixed(3)} ms: ${share.toFixed(0)}% of a hit that must embed)`,
      met: hit <= GOAL_MS,
    };
  });
}
