import { ioError } from "../contract/store-error.ts";
import type { FileOps } from "../disk/file-ops.ts";
import { RecordBuffer } from "./record-buffer.ts";
import type { Segment } from "./segment-file.ts";

/** A record appended and not yet applied: runs once an fsync covers it (in log order). */
interface Waiter {
  readonly lsn: number;
  readonly apply: (lsn: number) => unknown;
  /** Work that needs no durability, run while the fsync that covers the record runs. */
  readonly prepare: (() => void) | undefined;
  /** Envelope bytes of a put, counted in {@link GroupCommit.pendingBytes} until it settles. */
  readonly bytes: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** What the group commit needs of its log. */
export interface CommitTarget {
  /** The segment records go to now; null when none is open. */
  segment(): Segment | null;
  /** The log position right after the last record appended. */
  tail(): number;
  /** Ends the current segment after a failed write: later records go to a new one. */
  retire(): void;
  /**
   * Ends the current segment after a failed fdatasync, without another one: what that
   * fdatasync covered may be lost on disk, so no record after it in this segment may be
   * acknowledged. Later records go to a new segment.
   */
  abandon(): void;
}

/**
 * Group commit: records wait in {@link buffer} and in a queue; one fdatasync at a time
 * writes and covers everything appended before it started, then applies those records in
 * log order; records arriving meanwhile share the next one. It starts in a microtask, so
 * the writes issued in one turn (a Promise.all of stores) share it, and a lone write waits
 * for no timer.
 */
export class GroupCommit {
  readonly #queue: Waiter[] = [];
  /** Callers of {@link appliedThrough}: resolved once no record at or before `lsn` waits. */
  #through: { readonly lsn: number; readonly resolve: () => void }[] = [];
  #pendingBytes = 0;
  #fsyncing: Promise<void> | null = null;
  #again = false;
  #scheduled = false;
  /** Records appended and not yet written to the segment. */
  readonly buffer = new RecordBuffer();

  constructor(
    private readonly ops: FileOps,
    private readonly log: CommitTarget,
  ) {}

  /** True while a commit is pending or running, or records wait for one. */
  get busy(): boolean {
    return this.#scheduled || this.#fsyncing !== null || this.#queue.length > 0;
  }

  /** Envelope bytes of the puts waiting for a commit (applied, they are the log's unplaced bytes). */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Resolves once every record at or before `lsn` is applied or failed. */
  appliedThrough(lsn: number): Promise<void> {
    if (this.#settledThrough(lsn)) return Promise.resolve();
    return new Promise((resolve) => this.#through.push({ lsn, resolve }));
  }

  #settledThrough(lsn: number): boolean {
    return this.#queue.length === 0 || (this.#queue[0] as Waiter).lsn > lsn;
  }

  /** True when records wait for a commit. */
  get waiting(): boolean {
    return this.#queue.length > 0;
  }

  /** Runs after a commit's records are applied (or failed). */
  onSettled: () => void = () => undefined;

  /** The commit running now, if any. */
  get running(): Promise<void> | null {
    return this.#fsyncing;
  }

  /**
   * Resolves with `apply(lsn)` once a commit covers log position `lsn` (and the records
   * before it are applied); `prepare` runs while that commit's fdatasync runs. `bytes`: a
   * put's envelope bytes, for {@link pendingBytes}.
   */
  wait<T>(lsn: number, apply: (lsn: number) => T, prepare?: () => void, bytes = 0): Promise<T> {
    this.#pendingBytes += bytes;
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ lsn, apply, prepare, bytes, resolve: resolve as (value: unknown) => void, reject });
      this.#request();
    });
  }

  /** Writes the buffered records; on a failure every record not yet fsynced fails with it. */
  flush(): void {
    const segment = this.log.segment();
    if (segment === null || this.buffer.empty) return;
    try {
      this.buffer.flush(this.ops, segment.fd);
    } catch (error) {
      const failure = ioError("write", segment.path, error);
      this.#fail(this.log.tail(), failure);
      try {
        this.log.retire(); // a partial record ends the segment for replay
      } catch {
        // The fsync failed too: the write's own error is the one to report.
      }
      throw failure;
    }
  }

  /** A commit on this thread: writes, fdatasyncs and applies every record so far. */
  now(): void {
    this.flush();
    const segment = this.log.segment();
    const lsn = this.log.tail();
    if (segment !== null) {
      try {
        this.ops.fsyncSync(segment.syncFd, true); // not the fd an async commit may be fdatasyncing (see Segment.syncFd)
      } catch (error) {
        const failure = ioError("fsync", segment.path, error);
        this.#abandon(failure);
        throw failure;
      }
    }
    this.#drain(lsn);
  }

  /** Runs the applies a commit covering `lsn` made durable, in log order. */
  #drain(lsn: number): void {
    while (this.#queue.length > 0 && (this.#queue[0] as Waiter).lsn <= lsn) {
      const waiter = this.#queue.shift() as Waiter;
      this.#pendingBytes -= waiter.bytes;
      try {
        waiter.resolve(waiter.apply(waiter.lsn));
      } catch (error) {
        waiter.reject(error);
      }
    }
    this.#settled();
  }

  /** After records were applied or failed: the commit's sizes go, and callers of {@link appliedThrough} hear. */
  #settled(): void {
    this.onSettled();
    if (this.#through.length === 0) return;
    const ready = this.#through.filter(({ lsn }) => this.#settledThrough(lsn));
    this.#through = this.#through.filter(({ lsn }) => !this.#settledThrough(lsn));
    for (const { resolve } of ready) resolve();
  }

  /**
   * A commit's fdatasync failed: every record waiting fails with it, those appended after
   * it too (they follow, in the same segment, bytes that may not be on disk), the records
   * not yet written are dropped, and the segment ends.
   */
  #abandon(error: unknown): void {
    this.buffer.discard();
    this.#fail(Number.POSITIVE_INFINITY, error);
    this.log.abandon();
  }

  /**
   * A commit's fdatasync of `segment` failed. While it is still the current segment, it is
   * abandoned (see {@link #abandon}). A sync commit may have ended it meanwhile (a checkpoint's
   * retire): then the records it covered were applied by that commit's own fdatasync, and
   * only those not yet applied fail; the current segment and its records are not touched.
   */
  #failed(segment: Segment, lsn: number, error: unknown): void {
    if (this.log.segment() === segment) this.#abandon(error);
    else this.#fail(lsn, error);
  }

  #fail(lsn: number, error: unknown): void {
    while (this.#queue.length > 0 && (this.#queue[0] as Waiter).lsn <= lsn) {
      const waiter = this.#queue.shift() as Waiter;
      this.#pendingBytes -= waiter.bytes;
      waiter.reject(error);
    }
    this.#settled();
  }

  #request(): void {
    if (this.#fsyncing !== null) {
      this.#again = true;
      return;
    }
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (this.#fsyncing === null && this.#queue.length > 0) this.#start();
    });
  }

  #start(): void {
    try {
      this.flush();
    } catch {
      return; // its waiters failed with it
    }
    const segment = this.log.segment();
    const lsn = this.log.tail();
    if (segment === null) {
      this.#drain(lsn);
      return;
    }
    this.#fsyncing = this.ops.fsync(segment.fd, true).then(
      () => this.#drain(lsn),
      (error) => this.#failed(segment, lsn, ioError("fsync", segment.path, error)),
    );
    for (const waiter of this.#queue) waiter.prepare?.(); // the fsync runs on the thread pool meanwhile
    void this.#fsyncing.finally(() => {
      this.#fsyncing = null;
      if (this.#again || this.#queue.length > 0) {
        this.#again = false;
        if (this.#queue.length > 0) this.#request();
      }
    });
  }
}
