/**
 * The age of the log's oldest record not yet checkpointed, and the timer that checkpoints
 * the log once that age passes `maxAgeMs` (see WalLimits; 0: no timer).
 */
export class LogAge {
  /** When the oldest record not yet checkpointed was written; 0 when there is none. */
  #oldestAt = 0;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly maxAgeMs: number,
    private readonly clock: () => number,
    private readonly checkpoint: () => void,
  ) {}

  /** A record written at `at` (or segments kept back) is now the log's: the age counts from the oldest. */
  noteRecord(at: number = this.clock()): void {
    if (this.#oldestAt === 0) this.#oldestAt = at;
  }

  /** Segments a replay handed over: they are checkpointed by age from now, like any record. */
  restart(): void {
    this.#oldestAt = this.clock();
  }

  /** A checkpoint took every record so far. */
  reset(): void {
    this.#oldestAt = 0;
  }

  /** Starts the timer (once); it checks twice per `maxAgeMs`. */
  start(): void {
    if (this.#timer !== null || this.maxAgeMs <= 0) return;
    const tick = () => {
      if (this.#oldestAt !== 0 && this.clock() - this.#oldestAt >= this.maxAgeMs) this.checkpoint();
    };
    this.#timer = setInterval(tick, Math.max(10, Math.floor(this.maxAgeMs / 2)));
    this.#timer.unref?.();
  }

  /** Stops the timer. */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
