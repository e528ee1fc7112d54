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
 * The one event path of a store: every write, removal (delete, eviction, expiry),
 * access and tenant-directory change is reported here once, and the ledger tells
 * every index that subscribed (file cache, live stats, retention index, ...).
 * Nothing else updates an index by hand.
 */
export class Ledger {
  readonly #written: Handler<[WrittenEntry]>[] = [];
  readonly #removed: Handler<[RemovedEntry]>[] = [];
  readonly #vanished: Handler<[bigint, bigint]>[] = [];
  readonly #accessed: Handler<[bigint, bigint]>[] = [];
  readonly #tenantCreated: Handler<[bigint]>[] = [];
  readonly #tenantRemoved: Handler<[bigint]>[] = [];

  /** Adds an index; it hears events in the order subscribers were added. */
  subscribe(subscriber: LedgerSubscriber): void {
    if (subscriber.written) this.#written.push(subscriber.written.bind(subscriber));
    if (subscriber.removed) this.#removed.push(subscriber.removed.bind(subscriber));
    if (subscriber.vanished) this.#vanished.push(subscriber.vanished.bind(subscriber));
    if (subscriber.accessed) this.#accessed.push(subscriber.accessed.bind(subscriber));
    if (subscriber.tenantCreated) this.#tenantCreated.push(subscriber.tenantCreated.bind(subscriber));
    if (subscriber.tenantRemoved) this.#tenantRemoved.push(subscriber.tenantRemoved.bind(subscriber));
  }

  /** Reports a write that landed. */
  written(entry: WrittenEntry): void {
    for (const handler of this.#written) handler(entry);
  }

  /** Reports an unlinked entry file. */
  removed(entry: RemovedEntry): void {
    for (const handler of this.#removed) handler(entry);
  }

  /** Reports an entry file found missing. */
  vanished(tenantId: bigint, entryId: bigint): void {
    for (const handler of this.#vanished) handler(tenantId, entryId);
  }

  /** Reports a load. */
  accessed(tenantId: bigint, entryId: bigint): void {
    for (const handler of this.#accessed) handler(tenantId, entryId);
  }

  /** Reports a new tenant directory. */
  tenantCreated(tenantId: bigint): void {
    for (const handler of this.#tenantCreated) handler(tenantId);
  }

  /** Reports a removed tenant directory. */
  tenantRemoved(tenantId: bigint): void {
    for (const handler of this.#tenantRemoved) handler(tenantId);
  }
}
