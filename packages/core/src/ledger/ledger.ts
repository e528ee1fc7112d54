import type { EntryFields } from "@reflex/codec";

/** An entry file this store has just renamed into place. */
export interface WrittenEntry {
  readonly tenantId: bigint;
  readonly entryId: bigint;
  /** The entry as the caller gave it (bytes fields may be the caller's buffers: do not keep them). */
  readonly entry: EntryFields;
  /** Size of the new file. */
  readonly fileBytes: number;
  /** Size of the file it replaced, undefined when there was none. */
  readonly replacedBytes: number | undefined;
  /** Unix seconds after which the entry is gone; 0 never. */
  readonly expiresAt: bigint;
}

/** Why this store removed an entry file. */
export type RemovalCause = "deleted" | "expired" | "evicted";

/** An entry file this store has just unlinked. */
export interface RemovedEntry {
  readonly tenantId: bigint;
  readonly entryId: bigint;
  /** Size of the file as it was right before the unlink. */
  readonly fileBytes: number;
  readonly cause: RemovalCause;
}

/**
 * What an index hears from the ledger; every method is optional. Each is called in
 * the same synchronous step as the file-system change it reports, so an index that
 * applies them in order stays exact for this process.
 */
export interface LedgerSubscriber {
  /** A write landed (the rename is done). */
  written?(entry: WrittenEntry): void;
  /** This store unlinked an entry file. */
  removed?(entry: RemovedEntry): void;
  /** An entry file this store went to remove was not there (another process removed it). */
  vanished?(tenantId: bigint, entryId: bigint): void;
  /** An entry was loaded. Called on the hot path: keep it cheap. */
  accessed?(tenantId: bigint, entryId: bigint): void;
  /** A tenant directory now exists. */
  tenantCreated?(tenantId: bigint): void;
  /** A tenant directory was removed. */
  tenantRemoved?(tenantId: bigint): void;
}

type Handler<A extends unknown[]> = (...args: A) => void;

/**
 * When a subscriber hears an event: `"index"` subscribers (caches, counts, lookup) all
 * hear it before any `"policy"` subscriber (retention), which may act on it (evict) and
 * so report further events that the indexes must hear after the first.
 */
export type LedgerPhase = "index" | "policy";

/**
 * Calls every handler with one argument; an error of one does not silence the ones after it
 * and is thrown once all have heard. One `try` around the loop (entered again after a
 * throw), not one per call, and no rest parameters: `accessed` runs on every load.
 */
function tell<A>(handlers: readonly Handler<[A]>[], a: A): void {
  let failure: { error: unknown } | null = null;
  for (let i = 0; i < handlers.length; ) {
    try {
      for (; i < handlers.length; i++) (handlers[i] as Handler<[A]>)(a);
    } catch (error) {
      failure ??= { error };
      i++;
    }
  }
  if (failure !== null) throw failure.error;
}

/** {@link tell} for two arguments. */
function tell2<A, B>(handlers: readonly Handler<[A, B]>[], a: A, b: B): void {
  let failure: { error: unknown } | null = null;
  for (let i = 0; i < handlers.length; ) {
    try {
      for (; i < handlers.length; i++) (handlers[i] as Handler<[A, B]>)(a, b);
    } catch (error) {
      failure ??= { error };
      i++;
    }
  }
  if (failure !== null) throw failure.error;
}

/** One event's handlers, `"index"` ones first. */
class Handlers<A extends unknown[]> {
  readonly #index: Handler<A>[] = [];
  readonly #policy: Handler<A>[] = [];
  /** Both phases in order, rebuilt on subscribe (events far outnumber subscriptions). */
  all: readonly Handler<A>[] = [];

  add(handler: Handler<A>, phase: LedgerPhase): void {
    (phase === "index" ? this.#index : this.#policy).push(handler);
    this.all = [...this.#index, ...this.#policy];
  }
}

/**
 * The one event path of a store: every write, removal (delete, eviction, expiry),
 * access and tenant-directory change is reported here once, and the ledger tells
 * every index that subscribed (handle cache, live stats, lookup index, retention).
 * Nothing else updates an index by hand.
 */
export class Ledger {
  readonly #written = new Handlers<[WrittenEntry]>();
  readonly #removed = new Handlers<[RemovedEntry]>();
  readonly #vanished = new Handlers<[bigint, bigint]>();
  readonly #accessed = new Handlers<[bigint, bigint]>();
  readonly #tenantCreated = new Handlers<[bigint]>();
  readonly #tenantRemoved = new Handlers<[bigint]>();

  /**
   * Adds a subscriber. Every `"index"` subscriber hears an event before any `"policy"`
   * one; within a phase, in the order they were added.
   */
  subscribe(subscriber: LedgerSubscriber, phase: LedgerPhase = "index"): void {
    if (subscriber.written) this.#written.add(subscriber.written.bind(subscriber), phase);
    if (subscriber.removed) this.#removed.add(subscriber.removed.bind(subscriber), phase);
    if (subscriber.vanished) this.#vanished.add(subscriber.vanished.bind(subscriber), phase);
    if (subscriber.accessed) this.#accessed.add(subscriber.accessed.bind(subscriber), phase);
    if (subscriber.tenantCreated) this.#tenantCreated.add(subscriber.tenantCreated.bind(subscriber), phase);
    if (subscriber.tenantRemoved) this.#tenantRemoved.add(subscriber.tenantRemoved.bind(subscriber), phase);
  }

  /** Reports a write that landed. */
  written(entry: WrittenEntry): void {
    tell(this.#written.all, entry);
  }

  /** Reports an unlinked entry file. */
  removed(entry: RemovedEntry): void {
    tell(this.#removed.all, entry);
  }

  /** Reports an entry file found missing. */
  vanished(tenantId: bigint, entryId: bigint): void {
    tell2(this.#vanished.all, tenantId, entryId);
  }

  /** Reports a load. */
  accessed(tenantId: bigint, entryId: bigint): void {
    tell2(this.#accessed.all, tenantId, entryId);
  }

  /** Reports a new tenant directory. */
  tenantCreated(tenantId: bigint): void {
    tell(this.#tenantCreated.all, tenantId);
  }

  /** Reports a removed tenant directory. */
  tenantRemoved(tenantId: bigint): void {
    tell(this.#tenantRemoved.all, tenantId);
  }
}
