/** What the scenarios record, and how it is looked up by the targets and the report. */
import type { Figure } from "./harness.ts";

/** One measured figure in the results table. */
export interface Row {
  /** Scenario id: load, store, scale, memory. */
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

/** Everything one run measured. */
export class Results {
  readonly rows: Row[] = [];
  readonly memory: MemoryPoint[] = [];
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
