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
  /** The log position right after the last record appended. */
  readonly tail: () => number;
}

/** A record waiting for room: `append` appends it at once (and settles its caller), `fail` refuses it, unwritten. */
export interface WaitingRecord {
  /** Its entry's key (`<tenant>/<id>`). */
  readonly key: string;
  readonly tenantId: bigint;
  /** Its envelope bytes (see {@link putBytes}). */
  readonly bytes: number;
  readonly append: () => void;
  readonly fail: (error: unknown) => void;
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
 * land before the put it follows), and a write on this thread appends those waiting first
 * ({@link drainSync}). A tenant deletion does not wait (its directory is gone already):
 * puts of the tenant still waiting land after it, as writes overlapping a deletion do.
 */
export class Room {
  readonly #waiting: WaitingRecord[] = [];
  /** Records waiting, by tenant and by key. */
  readonly #tenants = new Map<bigint, number>();
  readonly #keys = new Map<string, number>();
  #pumping = false;

  constructor(private readonly held: HeldBack) {}

  /** True when a record of `bytes` must wait its turn: records wait already, or it would pass the bound. */
  mustWait(bytes: number): boolean {
    return this.#waiting.length > 0 || overBound(this.held, bytes);
  }

  /** True while a record of `tenantId` waits. */
  waits(tenantId: bigint): boolean {
    return this.#tenants.has(tenantId);
  }

  /** True while a record of `key` waits: a later write or delete of it must queue behind it. */
  holds(key: string): boolean {
    return this.#keys.has(key);
  }

  /**
   * Queues a record of `key` (`bytes` of envelope): resolves with `append()` once it is first
   * and fits; rejects with what `append` throws, with the placement's error when one fails,
   * or at close (nothing written).
   */
  queue<T>(key: string, tenantId: bigint, bytes: number, append: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = () => {
        try {
          resolve(append());
        } catch (error) {
          reject(error);
        }
      };
      this.#wait({ key, tenantId, bytes, append: run, fail: reject });
    });
  }

  #wait(record: WaitingRecord): void {
    this.#waiting.push(record);
    count(this.#tenants, record.tenantId, 1);
    count(this.#keys, record.key, 1);
    void this.#pump();
  }

  /** Takes the first record out of the queue. */
  #shift(): WaitingRecord {
    const record = this.#waiting.shift() as WaitingRecord;
    count(this.#tenants, record.tenantId, -1);
    count(this.#keys, record.key, -1);
    return record;
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let first = this.#waiting[0]; first !== undefined; first = this.#waiting[0]) {
        let failure: unknown = null;
        try {
          while (this.#waiting[0] === first && overBound(this.held, first.bytes)) {
            if (this.held.commit.pendingBytes > 0) await this.held.commit.appliedThrough(this.held.tail());
            else await this.held.placer.placed(this.held.tail());
          }
        } catch (error) {
          failure = error;
        }
        if (this.#waiting[0] !== first) continue; // appended meanwhile by a write on this thread, or refused at close
        this.#shift();
        if (failure === null)
          first.append(); // in the same step as the bound's last check
        else first.fail(failure);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Room on this thread: commits the records in flight and places every put now. */
  makeSync(bytes: number): void {
    if (!overBound(this.held, bytes)) return;
    if (this.held.commit.waiting) this.held.commit.now();
    this.held.placer.placeAllSync();
  }

  /** Appends every record waiting, in order, making room for each on this thread (a write on this thread goes after them). */
  drainSync(): void {
    while (this.#waiting.length > 0) {
      this.makeSync((this.#waiting[0] as WaitingRecord).bytes);
      this.#shift().append();
    }
  }

  /** Refuses every record waiting, unwritten (the store closed). */
  failAll(error: (record: WaitingRecord) => unknown): void {
    while (this.#waiting.length > 0) {
      const record = this.#shift();
      record.fail(error(record));
    }
  }
}

/** Adds `by` to the count of `key`, dropping it at 0. */
function count<K>(counts: Map<K, number>, key: K, by: number): void {
  const now = (counts.get(key) ?? 0) + by;
  if (now === 0) counts.delete(key);
  else counts.set(key, now);
}

/** A write that waited for room while its store closed (and let the root's lock go): nothing of it was written. */
export function closedWhileWaiting(key: string): StoreError {
  return new StoreError(
    "storage_unavailable",
    `the store closed while write ${key} waited for room in the log: nothing written`,
  );
}
