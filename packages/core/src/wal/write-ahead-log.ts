import type { FileOps } from "../disk/file-ops.ts";
import { GroupCommit } from "./group-commit.ts";
import { KnownSizes } from "./known-sizes.ts";
import { LogAge } from "./log-age.ts";
import { type Changed, changesOf, makeDurable, makeDurableSync } from "./make-durable.ts";
import { IDLE_MS, Placer } from "./placer.ts";
import { closedWhileWaiting, putBytes, Room } from "./room.ts";
import {
  adoptSegments,
  appendRecord,
  createSegment,
  removeLogDirectory,
  removeSegments,
  type Segment,
} from "./segment-file.ts";
import { UnplacedWrites } from "./unplaced.ts";
import type { WalRecord } from "./wal-format.ts";
import type { WalLimits } from "./wal-limits.ts";

/**
 * The root's write-ahead log (see wal-format.ts). A record takes its place in the log at
 * once, in the order of the calls; a durable one waits for a group commit (group-commit.ts:
 * one write and one fdatasync for the records of a turn), which then applies every record
 * it covers in log order (a put becomes {@link unplaced}, a delete unlinks) and
 * acknowledges it. The {@link placer} puts acknowledged puts in place afterwards, without
 * fsyncs. A checkpoint waits until every record of the old segments is in place, fsyncs
 * what they changed and removes them.
 */
export class WriteAheadLog {
  #segment: Segment | null = null;
  readonly #retired: Segment[] = [];
  /** Segments a checkpoint is making durable: their keys are still held until it is done. */
  #checkpointing: readonly Segment[] = [];
  #nextNumber = 1;
  #lsnBase = 0;
  readonly #commit: GroupCommit;
  /** The bound on what the log holds back, and the writes waiting for room under it. */
  readonly room: Room;
  #checkpoint: Promise<void> | null = null;
  /** Counts closes: a checkpoint running off the event loop stops once a close took its segments over. */
  #closes = 0;
  #lastWriteAt = 0;
  readonly #age: LogAge;
  /** Acknowledged puts not yet in place: every read path looks here first. */
  readonly unplaced = new UnplacedWrites();
  /** Puts them in place after their acknowledgement. */
  readonly placer: Placer;
  /** Sizes of the files the puts of the running commit replace, statted during its fdatasync. */
  readonly sizes: KnownSizes;

  constructor(
    readonly root: string,
    private readonly ops: FileOps,
    private readonly limits: WalLimits,
    private readonly clock: () => number = Date.now,
  ) {
    this.#commit = new GroupCommit(ops, {
      segment: () => this.#segment,
      tail: () => this.#tail(),
      retire: () => this.#retire(),
      abandon: () => this.#abandon(),
    });
    this.#age = new LogAge(limits.maxAgeMs, clock, () => void this.checkpoint().catch(() => undefined));
    this.sizes = new KnownSizes(ops);
    this.#commit.onSettled = () => this.sizes.clear();
    this.placer = new Placer(root, ops, this.unplaced, {
      busy: () => this.#commit.busy || this.clock() - this.#lastWriteAt < IDLE_MS,
      highWaterBytes: Math.floor(limits.maxUnplacedBytes / 2),
    });
    const { unplaced, placer } = this;
    const tail = () => this.#tail();
    this.room = new Room({ unplaced, commit: this.#commit, placer, maxBytes: limits.maxUnplacedBytes, tail });
  }

  /** True while the log holds records not yet checkpointed. */
  get active(): boolean {
    return this.#segment !== null || this.#retired.length > 0;
  }

  /**
   * True when a record of `key` may still be replayed, or waits for room: a later write of
   * it must go through the log too.
   */
  holds(key: string): boolean {
    if (this.#segment?.keys.has(key) || this.room.holds(key)) return true;
    const has = (segment: Segment): boolean => segment.keys.has(key);
    return this.#retired.some(has) || this.#checkpointing.some(has);
  }

  /**
   * Appends `record` and resolves with `apply(lsn)`'s result once it is applied: after an
   * fsync covers it when `durable`, else as soon as every earlier record is applied (at
   * once, when none waits). `file` and `dir` name what applying it changes (an entry file
   * put in place, a directory whose names change), for the checkpoint to fsync. A record
   * that would pass `maxUnplacedBytes` waits for room first (room.ts).
   */
  append<T>(
    record: WalRecord,
    key: string,
    file: string | null,
    dir: string,
    durable: boolean,
    apply: (lsn: number) => T,
  ): Promise<T> {
    const bytes = putBytes(record);
    const now = (): Promise<T> => {
      const lsn = this.#write(record, key, file, dir);
      if (!durable && !this.#commit.waiting) {
        this.#commit.flush(); // in the file at once
        return Promise.resolve(apply(lsn));
      }
      return this.#commit.wait(lsn, apply, file === null ? undefined : () => this.#measure(key, file), bytes);
    };
    // A tenant deletion has renamed its directory aside already: it takes its place at once.
    if (record.kind === "tenant" || !this.room.mustWait(bytes)) {
      try {
        return now();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.room.queue(key, record.tenantId, bytes, now);
  }

  /** A put's file statted while its commit's fdatasync runs; not one the placer may be changing. */
  #measure(key: string, file: string): void {
    if (this.unplaced.get(key) === undefined) this.sizes.measure(key, file);
  }

  /** {@link append} on this thread: a durable record is fsynced here (with every record before it), then applied. */
  appendSync<T>(
    record: WalRecord,
    key: string,
    file: string | null,
    dir: string,
    durable: boolean,
    apply: (lsn: number) => T,
  ): T {
    this.room.drainSync(); // records waiting for room came first
    this.room.makeSync(putBytes(record));
    const lsn = this.#write(record, key, file, dir);
    if (durable || this.#commit.waiting) this.#commit.now();
    else this.#commit.flush();
    return apply(lsn);
  }

  /** Commits on this thread the records waiting for a commit (applied after it, in order); nothing when none waits. */
  commitWaiting(): void {
    if (this.#commit.waiting) this.#commit.now();
  }

  /**
   * Resolves once every put acknowledged so far is in place (maintenance passes that walk
   * the files wait for it); rejects with the placement's `io` error while one fails.
   */
  settled(): Promise<void> {
    return this.placer.placed(this.#tail());
  }

  /**
   * A tenant deletion, just as its directory is renamed aside: the tenant's puts not yet
   * in place are dropped, and so are those logged before now and applied later.
   */
  cutTenant(tenantId: bigint): void {
    this.unplaced.cutTenant(tenantId, this.#tail());
    this.sizes.clear();
  }

  #write(record: WalRecord, key: string, file: string | null, dir: string): number {
    const segment = this.#segment ?? this.#openSegment();
    const { ops, limits } = this;
    const lsn = appendRecord(ops, segment, this.#commit.buffer, record, { key, file, dir }, limits.preallocateBytes);
    this.#lastWriteAt = this.clock();
    this.#age.noteRecord(this.#lastWriteAt);
    if (segment.size >= limits.maxBytes) queueMicrotask(() => void this.checkpoint().catch(() => undefined));
    return lsn;
  }

  #tail(): number {
    return this.#segment === null ? this.#lsnBase : this.#segment.base + this.#segment.size;
  }

  #openSegment(): Segment {
    const segment = createSegment(this.ops, this.root, this.#nextNumber++, this.#lsnBase);
    this.#segment = segment;
    this.#age.start();
    return segment;
  }

  /** Ends the current segment: fsynced, every record applied; the next record opens a new one. */
  #retire(): void {
    if (this.#segment === null) return;
    this.#commit.now();
    this.#abandon();
  }

  /**
   * Ends the current segment with no fsync (after a failed commit: see GroupCommit
   * `abandon`). It stays for the checkpoint, its keys held; a replay reads it up to where
   * its bytes stop being whole.
   */
  #abandon(): void {
    const segment = this.#segment;
    if (segment === null) return;
    this.#retired.push(segment);
    this.#lsnBase = segment.base + segment.size;
    this.#segment = null;
    this.#age.noteRecord();
  }

  /**
   * Makes the files of every record so far durable and removes their segments, off the
   * event loop; writes go on into a new segment meanwhile. One checkpoint at a time.
   */
  checkpoint(): Promise<void> {
    if (this.#checkpoint !== null) return this.#checkpoint;
    try {
      this.#retire();
    } catch (error) {
      return Promise.reject(error); // its callers are timers: a throw here would be uncaught
    }
    this.unplaced.clearCuts(); // every record logged before a cut is applied
    this.#age.reset();
    const segments = this.#retired.splice(0);
    this.#checkpointing = segments;
    const end = this.#lsnBase;
    const closes = this.#closes;
    const run = (async () => {
      await this.#commit.running?.catch(() => undefined);
      await this.placer.placed(end);
      if (this.#closes !== closes) return; // closed meanwhile: the close made them durable and removed them
      await makeDurable(this.ops, changesOf(segments));
      if (this.#closes !== closes) return;
      removeSegments(this.ops, segments);
    })();
    const checkpoint = run
      .catch((error: unknown) => {
        if (this.#closes === closes) this.#keep(segments);
        throw error;
      })
      .finally(() => {
        if (this.#checkpoint !== checkpoint) return; // a close took it over
        this.#checkpoint = null;
        this.#checkpointing = [];
      });
    this.#checkpoint = checkpoint;
    return checkpoint;
  }

  /**
   * A checkpoint on this thread (close, and after a replay): the log is empty after it.
   * `takeOver`: the segments of a checkpoint running off the event loop too (at close).
   */
  checkpointSync(takeOver = false): void {
    this.#retire();
    this.unplaced.clearCuts();
    this.placer.placeAllSync();
    this.#age.reset();
    const running = takeOver ? this.#checkpointing : [];
    if (takeOver) {
      this.#closes++;
      this.#checkpointing = []; // this close's now: kept in #retired if it fails
    }
    const segments = [...running, ...this.#retired.splice(0)];
    try {
      makeDurableSync(this.ops, this.root, changesOf(segments));
      removeSegments(this.ops, segments);
    } catch (error) {
      this.#keep(segments);
      throw error;
    }
  }

  /**
   * A checkpoint failed (an fsync, say): what its segments changed may not be durable, so
   * the segments not yet removed stay the log's (their keys held, their records replayed
   * at the next open) and a later checkpoint tries again.
   */
  #keep(segments: readonly Segment[]): void {
    this.#retired.unshift(...segments);
    this.#age.noteRecord();
  }

  /**
   * Takes over the segments a replay read (see replay.ts `KeepSegments`): they stay until a
   * checkpoint (by age, size or at close) makes what they changed durable.
   */
  adopt(paths: readonly string[], changed: Changed, keys: Iterable<string>): void {
    const segments = adoptSegments(this.ops, paths, this.#lsnBase, changed, keys);
    for (const segment of segments) this.#nextNumber = Math.max(this.#nextNumber, segment.number + 1);
    this.#retired.push(...segments);
    this.#age.restart(); // checkpointed by age (or at close), like any record
    this.#age.start();
  }

  /**
   * Checkpoints on this thread, a checkpoint still running off the event loop included (its
   * segments made durable and removed here; it stops), stops the age timer and removes the
   * log's directory when it is empty; reusable after.
   */
  close(): void {
    this.#age.stop();
    this.checkpointSync(true);
    this.room.failAll((waiting) => closedWhileWaiting(waiting.key)); // a close that failed left the store open: they still go
    this.#checkpoint = null;
    this.#checkpointing = [];
    if (this.#retired.length === 0) removeLogDirectory(this.ops, this.root);
  }
}
