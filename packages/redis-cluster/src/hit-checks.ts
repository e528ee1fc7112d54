import type { IndexedEntry } from "@reflex/core/lookup";
import { type ClusterContext, nowSeconds } from "./context.ts";
import type { DirectGets } from "./direct-gets.ts";
import { bucketOf, entryKey } from "./layout.ts";
import { readError } from "./redis-errors.ts";
import { generationOf, type TenantFeed } from "./tenant-feed.ts";

/** True unless the index's record says a load would refuse it as expired at `now`. */
function unexpired(entry: IndexedEntry, now: bigint): boolean {
  return entry.expiresAt === 0n || entry.expiresAt > now;
}

/**
 * The re-checks of one lookup call: for each entry it would answer, whether the cluster
 * still holds the very value indexed (same generation) and it is unexpired, which is what
 * a load would accept. A check reads the entry's key; the generation it compares with is
 * taken when the check starts, in the same synchronous step as the index read that found
 * the entry, while it still belongs to that record.
 *
 * A search starts the checks of the entries its scan admits *during* the scan, as GETs
 * straight to the slot's master ({@link DirectGets}, written at once): the round trip runs while
 * the scan goes on, instead of after it. At most `earlyBudget` are started that way (the
 * scan admits only rows that beat its current floor, so a handful for a small k); the
 * rest are read after the scan, one MGET per bucket.
 */
export class HitChecks {
  readonly #verdicts = new Map<IndexedEntry, boolean>();
  readonly #started = new Map<IndexedEntry, Promise<boolean>>();
  #earlyBudget: number;
  /** Entries this call refused (gone, rewritten or expired since they were indexed). */
  refused = 0;

  constructor(
    private readonly context: ClusterContext,
    private readonly feed: TenantFeed,
    earlyBudget: number,
  ) {
    this.#earlyBudget = earlyBudget;
  }

  /**
   * The `admit` of one index read: false for an entry expired by the index's record or
   * refused by an earlier check of this call; for the others, while the early budget
   * lasts, their check is started on the spot.
   */
  admitter(): (entry: IndexedEntry) => boolean {
    const now = nowSeconds();
    return (entry) => {
      if (this.#verdicts.get(entry) === false || !unexpired(entry, now)) return false;
      if (this.#earlyBudget > 0 && !this.#started.has(entry)) {
        this.#earlyBudget--;
        this.#started.set(entry, this.#readOne(entry));
      }
      return true;
    };
  }

  /**
   * The `live` of one index read, for `nearest`: false for an entry expired by the index's
   * record or refused by an earlier check of this call. No side effects (starts no check).
   */
  live(): (entry: IndexedEntry) => boolean {
    const now = nowSeconds();
    return (entry) => this.#verdicts.get(entry) !== false && unexpired(entry, now);
  }

  /**
   * Settles the verdict of every entry of `entries` (to be called in the synchronous step
   * of the index read that found them: the checks not started yet take their generations
   * now); true when every one passed.
   */
  async settle(entries: readonly IndexedEntry[]): Promise<boolean> {
    this.#readMany(entries.filter((entry) => !this.#started.has(entry)));
    let passed = true;
    for (const entry of entries) {
      let verdict = this.#verdicts.get(entry);
      if (verdict === undefined) {
        try {
          verdict = await (this.#started.get(entry) as Promise<boolean>);
        } catch (error) {
          throw readError(`re-checking lookup hits of tenant ${this.feed.tenantId}`, error);
        }
        this.#verdicts.set(entry, verdict);
        if (!verdict) this.refused++;
      }
      passed &&= verdict;
    }
    return passed;
  }

  /** True once `entry` passed its check in this call. */
  passed(entry: IndexedEntry): boolean {
    return this.#verdicts.get(entry) === true;
  }

  #key(entry: IndexedEntry): string {
    return entryKey(this.context.options.namespace, this.feed.tenantId, entry.entryId, this.context.buckets);
  }

  /** The verdict on `bytes`, the value read for `entry`, against the generation indexed when the check started. */
  #judge(entry: IndexedEntry, expected: bigint | undefined, bytes: Uint8Array | null): boolean {
    return (
      unexpired(entry, nowSeconds()) && bytes !== null && expected !== undefined && expected === generationOf(bytes)
    );
  }

  #readOne(entry: IndexedEntry): Promise<boolean> {
    const expected = this.feed.generations.get(entry.entryId);
    const check = this.context.clients.directGets
      .get(this.#key(entry))
      .then((bytes) => this.#judge(entry, expected, bytes));
    check.catch(() => {}); // a check the call ends up not needing may fail unobserved; a needed one rethrows in settle
    return check;
  }

  /** Starts the checks of `entries`: one direct GET for a bucket with one of them, one MGET (on the reader) otherwise. */
  #readMany(entries: readonly IndexedEntry[]): void {
    const byBucket = new Map<number, IndexedEntry[]>();
    for (const entry of entries) {
      const bucket = bucketOf(entry.entryId, this.context.buckets);
      const list = byBucket.get(bucket);
      if (list === undefined) byBucket.set(bucket, [entry]);
      else list.push(entry);
    }
    for (const list of byBucket.values()) {
      if (list.length === 1) {
        const entry = list[0] as IndexedEntry;
        this.#started.set(entry, this.#readOne(entry));
        continue;
      }
      const expected = list.map((entry) => this.feed.generations.get(entry.entryId));
      const values = this.context.clients.reader.mgetBuffer(...list.map((entry) => this.#key(entry)));
      values.catch(() => {});
      for (const [i, entry] of list.entries()) {
        const check = values.then((read) => this.#judge(entry, expected[i], read[i] ?? null));
        check.catch(() => {});
        this.#started.set(entry, check);
      }
    }
  }
}
