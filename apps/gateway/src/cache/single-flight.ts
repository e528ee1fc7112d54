/**
 * Identical work in flight, shared: the first caller of a key starts it (the leader), every
 * caller of the same key until it settles gets the same value (a join). The key is removed
 * when the value settles, so the next caller starts afresh (and by then finds the stored answer).
 *
 * @example
 * const flights = new SingleFlight<Promise<Answer>>();
 * const { leader, value } = flights.join(`${tenant}:${key}`, () => fetchAnswer());
 */
export class SingleFlight<T = unknown> {
  readonly #inFlight = new Map<string, T>();

  /**
   * The value in flight for `key`, or a new one from `start` (then `leader` is true). `settled`
   * of the value says when it leaves the table: call {@link done} with the key then.
   */
  join(key: string, start: () => T): { readonly leader: boolean; readonly value: T } {
    const current = this.#inFlight.get(key);
    if (current !== undefined) return { leader: false, value: current };
    const value = start();
    this.#inFlight.set(key, value);
    return { leader: true, value };
  }

  /** Removes `key` when it still holds `value` (the leader calls it once its work settled). */
  done(key: string, value: T): void {
    if (this.#inFlight.get(key) === value) this.#inFlight.delete(key);
  }

  /** Flights in progress. */
  get size(): number {
    return this.#inFlight.size;
  }
}
