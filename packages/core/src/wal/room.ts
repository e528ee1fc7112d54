import { StoreError } from "../contract/store-error.ts";
import type { GroupCommit } from "./group-commit.ts";
import type { Placer } from "./placer.ts";
import type { UnplacedWrites } from "./unplaced.ts";
import type { WalRecord } from "./wal-format.ts";

/** What the log holds back from the entry files: puts acknowledged and not in place, and puts waiting for a commit. */
export interface HeldBack {
  readonly unplaced: UnplacedWrites;
  readonly commit: GroupCommit;
  readonly placer: Placer;
  /** `wal.maxUnplacedBytes`. */
  readonly maxBytes: number;
}

/** The envelope bytes a record adds to what the log holds back (0 but for a put). */
export function putBytes(record: WalRecord): number {
  return record.kind === "put" ? record.envelope.byteLength : 0;
}

/** True when `bytes` more would take what is held back past its bound; a record alone over it goes once nothing else is held. */
function overBound(held: HeldBack, bytes: number): boolean {
  const now = held.unplaced.bytes + held.commit.pendingBytes;
  return now > 0 && now + bytes > held.maxBytes;
}

/**
 * The log's bound on what it holds back (`wal.maxUnplacedBytes`): a record that would pass
 * it waits for the puts in flight to be applied, then for the placer to put them in place.
 * Records wait first in, first out: one that fits must not pass one waiting (a delete would
 * land before the put it follows). A tenant deletion does not wait (its directory is gone
 * already): puts of the tenant still waiting land after it, as writes overlapping a deletion do.
 */
export class Room {
  /** The last waiting record's turn; null when none waits. */
  #queue: Promise<void> | null = null;
  /** Records waiting, by tenant. */
  readonly #tenants = new Map<bigint, number>();

  constructor(private readonly held: HeldBack) {}

  /** True when a record of `bytes` must wait its turn: records wait already, or it would pass the bound. */
  mustWait(bytes: number): boolean {
    return this.#queue !== null || overBound(this.held, bytes);
  }

  /** Counts a record of `tenantId` as waiting until the returned function is called (right before its append). */
  enter(tenantId: bigint): () => void {
    this.#tenants.set(tenantId, (this.#tenants.get(tenantId) ?? 0) + 1);
    return () => {
      const left = (this.#tenants.get(tenantId) ?? 1) - 1;
      if (left === 0) this.#tenants.delete(tenantId);
      else this.#tenants.set(tenantId, left);
    };
  }

  /** True while a record of `tenantId` waits. */
  waits(tenantId: bigint): boolean {
    return this.#tenants.has(tenantId);
  }

  /**
   * Resolves when it is the turn of a record of `bytes` and it fits (rejected with the
   * placement's error when one fails). The caller appends as soon as it resolves, before
   * the next turn checks the bound. `tail`: the log position after the last record.
   */
  turn(bytes: number, tail: () => number): Promise<void> {
    const held = this.held;
    const turn = (this.#queue ?? Promise.resolve()).then(async () => {
      while (overBound(held, bytes)) {
        if (held.commit.pendingBytes > 0) await held.commit.appliedThrough(tail());
        else await held.placer.placed(tail());
      }
    });
    const queue = turn.catch(() => undefined);
    this.#queue = queue;
    void queue.then(() => {
      if (this.#queue === queue) this.#queue = null;
    });
    return turn;
  }

  /** Room on this thread: commits the records in flight and places every put now. */
  makeSync(bytes: number): void {
    if (!overBound(this.held, bytes)) return;
    if (this.held.commit.waiting) this.held.commit.now();
    this.held.placer.placeAllSync();
  }
}

/** A write that waited for room while its store closed (and let the root's lock go): nothing of it was written. */
export function closedWhileWaiting(key: string): StoreError {
  return new StoreError(
    "storage_unavailable",
    `the store closed while write ${key} waited for room in the log: nothing written`,
  );
}
