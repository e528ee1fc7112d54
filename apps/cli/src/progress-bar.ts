import { formatBytes, formatCount, formatDuration, formatRate } from "./format.ts";

/** Where a progress bar draws: a terminal stream such as `process.stderr`. */
export interface ProgressStream {
  readonly isTTY?: boolean | undefined;
  /** Terminal width; 0 or undefined means unknown (80 is assumed). */
  readonly columns?: number | undefined;
  /** Writes at once (a TTY write is synchronous), so a redraw in a busy loop shows. */
  write(text: string): unknown;
}

/** Reports progress of a long piece of work. */
export interface Progress {
  /** `done` so far (items or bytes), optionally a new `total` and a short note (e.g. `1,234 entries`). */
  update(done: number, total?: number, note?: string): void;
  /** Ends the bar and erases its line, so the result prints on a clean line. */
  finish(): void;
}

/** A {@link Progress} that shows nothing: non-TTY, NO_COLOR, CI, or `--json`. */
export const NO_PROGRESS: Progress = Object.freeze({
  update(): void {},
  finish(): void {},
});

/** Options of a {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Shown before the bar: `verifying`, `exporting`, ... */
  readonly label: string;
  /** `items` (counts with separators) or `bytes` (KiB/MiB). Default `items`. */
  readonly unit?: "items" | "bytes";
  /** Known total, if any; without one the bar shows the count and rate but no percentage or ETA. */
  readonly total?: number;
  /** Clock in milliseconds. Default `performance.now`. */
  readonly now?: () => number;
  /** Fewest milliseconds between redraws. Default 100. */
  readonly redrawEveryMs?: number;
  /** Nothing is drawn before this many milliseconds, so quick work never flickers. Default 300. */
  readonly showAfterMs?: number;
}

/** What {@link renderProgressLine} draws. */
export interface ProgressState {
  readonly label: string;
  readonly unit: "items" | "bytes";
  readonly done: number;
  readonly total: number | undefined;
  readonly elapsedMs: number;
  readonly note?: string | undefined;
  /** Terminal width. */
  readonly columns: number;
}

function amount(value: number, unit: "items" | "bytes"): string {
  return unit === "bytes" ? formatBytes(value) : formatCount(value);
}

/**
 * One line of a progress bar, e.g.
 * `verifying [██████░░░░░░░░]  45%  1,234/2,742  1.2k/s  ETA 0:03`.
 * Rate is the average since the start; ETA is the rest at that rate. Never wider than `columns - 1`.
 */
export function renderProgressLine(state: ProgressState): string {
  const { label, unit, done, total, elapsedMs, note } = state;
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? done / seconds : Number.NaN;
  const tail: string[] = [];
  let bar = "";
  if (total !== undefined && total > 0) {
    const fraction = Math.min(1, Math.max(0, done / total));
    tail.push(`${Math.floor(fraction * 100)}%`.padStart(4));
    tail.push(`${amount(done, unit)}/${amount(total, unit)}`);
    if (note !== undefined) tail.push(note);
    tail.push(formatRate(rate, unit));
    tail.push(`ETA ${rate > 0 ? formatDuration((total - done) / rate) : "--:--"}`);
    // Sized for the widest count (done = total), so the bar does not jump as the count grows.
    const widest = tail.join("  ").length + Math.max(0, amount(total, unit).length - amount(done, unit).length);
    const width = Math.max(0, Math.min(40, state.columns - 1 - `${label} [] `.length - widest - 4));
    if (width >= 5) {
      const full = Math.round(fraction * width);
      bar = ` [${"█".repeat(full)}${"░".repeat(width - full)}]`;
    }
  } else {
    tail.push(amount(done, unit));
    if (note !== undefined) tail.push(note);
    tail.push(formatRate(rate, unit));
    tail.push(`elapsed ${formatDuration(seconds)}`);
  }
  const line = `${label}${bar} ${tail.join("  ")}`;
  return line.length > state.columns - 1 ? line.slice(0, Math.max(0, state.columns - 1)) : line;
}

/**
 * A one-line progress bar with rate and ETA, redrawn in place with `\r` on a
 * terminal. Create it only where {@link progressEnabled} says so, or use
 * {@link createProgress}, which does.
 *
 * @example
 * const bar = new ProgressBar(process.stderr, { label: "verifying", total: 1000 });
 * for (let i = 1; i <= 1000; i++) bar.update(i);
 * bar.finish();
 */
export class ProgressBar implements Progress {
  readonly #stream: ProgressStream;
  readonly #label: string;
  readonly #unit: "items" | "bytes";
  readonly #now: () => number;
  readonly #redrawEveryMs: number;
  readonly #showAfterMs: number;
  readonly #start: number;
  #total: number | undefined;
  #lastDraw = Number.NEGATIVE_INFINITY;
  #drawn = false;
  #finished = false;

  constructor(stream: ProgressStream, options: ProgressBarOptions) {
    this.#stream = stream;
    this.#label = options.label;
    this.#unit = options.unit ?? "items";
    this.#total = options.total;
    this.#now = options.now ?? (() => performance.now());
    this.#redrawEveryMs = options.redrawEveryMs ?? 100;
    this.#showAfterMs = options.showAfterMs ?? 300;
    this.#start = this.#now();
  }

  update(done: number, total?: number, note?: string): void {
    if (this.#finished) return;
    if (total !== undefined) this.#total = total;
    const now = this.#now();
    if (now - this.#start < this.#showAfterMs || now - this.#lastDraw < this.#redrawEveryMs) return;
    this.#lastDraw = now;
    const columns = this.#stream.columns !== undefined && this.#stream.columns > 0 ? this.#stream.columns : 80;
    const line = renderProgressLine({
      label: this.#label,
      unit: this.#unit,
      done,
      total: this.#total,
      elapsedMs: now - this.#start,
      note,
      columns,
    });
    this.#stream.write(`\r${line}\x1b[K`);
    this.#drawn = true;
  }

  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#drawn) this.#stream.write("\r\x1b[K");
  }
}

/** What decides whether a progress bar may be drawn. */
export interface ProgressEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The stream the bar draws on (stderr). */
  readonly stream: ProgressStream;
  /** True when stdout is a terminal. */
  readonly stdoutIsTTY: boolean;
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== "";
}

/**
 * True when a progress bar may be drawn: stderr is a terminal, `NO_COLOR` and `CI`
 * are unset (or empty), `TERM` is not `dumb`, and, unless `stdoutIsData` (export:
 * stdout is the dump, redirected by design), stdout is a terminal too, so that
 * output captured by a script never comes with a bar on the side.
 */
export function progressEnabled(environment: ProgressEnvironment, stdoutIsData = false): boolean {
  const { env, stream, stdoutIsTTY } = environment;
  if (isSet(env.NO_COLOR) || isSet(env.CI) || env.TERM === "dumb") return false;
  if (stream.isTTY !== true) return false;
  return stdoutIsData || stdoutIsTTY;
}

/** A {@link ProgressBar} when {@link progressEnabled}, otherwise {@link NO_PROGRESS}. */
export function createProgress(
  environment: ProgressEnvironment,
  options: ProgressBarOptions & { readonly stdoutIsData?: boolean },
): Progress {
  return progressEnabled(environment, options.stdoutIsData)
    ? new ProgressBar(environment.stream, options)
    : NO_PROGRESS;
}
