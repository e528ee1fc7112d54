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
export function overBound(held: HeldBack, bytes: number): boolean {
  const now = held.unplaced.bytes + held.commit.pendingBytes;
  return now > 0 && now + bytes > held.maxBytes;
}

/**
 * One wait of a write over the bound: for the puts waiting for a commit, up to `tail`, to be
 * applied, else for the placer to put every one up to `tail` in place (rejected with the
 * placement's error when one fails). The writer checks {@link overBound} again after it,
 * in the same step as its append: writers woken together must not all pass one check.
 */
export function roomWait(held: HeldBack, tail: number): Promise<void> {
  return held.commit.pendingBytes > 0 ? held.commit.appliedThrough(tail) : held.placer.placed(tail);
}

/** Room on this thread: commits the records in flight and places every put now. */
export function makeRoomSync(held: HeldBack, bytes: number): void {
  if (!overBound(held, bytes)) return;
  if (held.commit.waiting) held.commit.now();
  held.placer.placeAllSync();
}
