/** A target's verdict on one run. */
export interface Verdict {
  readonly target: string;
  readonly goal: string;
  /** What was measured, or why it was not. */
  readonly measured: string;
  /** Undefined when a figure it needs was not measured. */
  readonly met: boolean | undefined;
}
