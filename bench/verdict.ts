import type { Results } from "./results.ts";

/** A target's verdict on one run. */
export interface Verdict {
  readonly target: string;
  readonly goal: string;
  /** What was measured, or why it was not. */
  readonly measured: string;
  /** Undefined when a figure it needs was not measured. */
  readonly met: boolean | undefined;
}

/** The median time (ns) of `subject` in `group`, or undefined when the run did not measure it. */
export function median(results: Results, group: string, subject: string): number | undefined {
  return results.find(group, subject)?.figure.medianNs;
}

/** A verdict from `judge` over `values`, or "not measured in this run" when one is missing. */
export function verdict(
  target: string,
  goal: string,
  values: (number | undefined)[],
  judge: (...values: number[]) => { measured: string; met: boolean },
): Verdict {
  if (values.some((value) => value === undefined)) {
    return { target, goal, measured: "not measured in this run", met: undefined };
  }
  return { target, goal, ...judge(...(values as number[])) };
}
