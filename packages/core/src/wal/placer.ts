import { errnoOf, ioError } from "../contract/store-error.ts";
import { type FileOps, TEMP_OPEN_FLAGS } from "../disk/file-ops.ts";
import { entryFilePath, tempFileName, tenantDirPath } from "../disk/layout.ts";
import type { Unplaced, UnplacedWrites } from "./unplaced.ts";

/** Files created at once: the creates run on the thread pool, which the log's fsync needs too. */
const CONCURRENCY = 1;
/** A placement that failed (a full disk, say) is tried again after this long. */
const RETRY_MS = 100;
/** While the log is busy, placements wait for this long a pause (unless too many wait). */
export const IDLE_MS = 20;
const FILE_MODE = 0o644;

/** When the placer may run: it yields to the log's commits unless writes pile up. */
export interface PlacerPolicy {
  /** True while the log commits (a create beside a commit slows the commit several times here). */
  readonly busy: () => boolean;
  /** Above this many unplaced bytes, placements run even while the log is busy. */
  readonly highWaterBytes: number;
}

interface Job {
  readonly key: string;
  readonly item: Unplaced;
}

/**
 * Puts acknowledged writes in place after their acknowledgement, in log order, without
 * fsyncs (a checkpoint makes them durable): a temp file created and written off the event
 * loop, then, in one synchronous step, renamed over the entry's file if the write is still
 * the last word on its entry (else the temp file is removed). A file create costs far more
 * than the log's append on some file systems; this keeps it off the acknowledged path,
 * and out of the way of commits (see {@link PlacerPolicy}) unless writes pile up or a
 * checkpoint waits.
 */
export class Placer {
  readonly #queue: Job[] = [];
  #head = 0;
  /** Keys being placed, with their item's lsn. */
  readonly #inFlight = new Map<string, number>();
  /** Jobs that failed, waiting to be tried again. */
  readonly #failed: Job[] = [];
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #idleTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #waiters: { lsn: number; resolve: () => void }[] = [];
  /** Callers of {@link placed}: rejected at the next failure. */
  readonly #placedWaiters = new Set<(error: unknown) => void>();
  /** The last placement failure, for the checkpoint that waits on it to report. */
  lastError: unknown = null;

  constructor(
    private readonly root: string,
    private readonly ops: FileOps,
    readonly unplaced: UnplacedWrites,
    private readonly policy: PlacerPolicy,
  ) {}

  /** Queues `item` (just made the last word on `key`) and starts placing it when a slot is free. */
  enqueue(key: string, item: Unplaced): void {
    this.#queue.push({ key, item });
    this.#pump();
  }

  /** Resolves once every write up to log position `lsn` is in place (or superseded). */
  through(lsn: number): Promise<void> {
    if (this.#lowestUnplaced() > lsn) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#waiters.push({ lsn, resolve }));
    this.#pump(); // a waiter makes placements run at once
    return done;
  }

  /**
   * {@link through} that rejects with the placement's error as soon as one fails (a full
   * disk, a directory it may not write), or at once while one waits for its retry, rather
   * than waiting for the file system to come back: for a writer over the bound, and for the
   * checkpoint and maintenance passes that must not hang on a placement failing for good.
   * The failed placement is still retried.
   */
  placed(lsn: number): Promise<void> {
    if (this.#failed.length > 0) return Promise.reject(this.lastError);
    return new Promise((resolve, reject) => {
      this.#placedWaiters.add(reject);
      void this.through(lsn).then(() => {
        this.#placedWaiters.delete(reject);
        resolve();
      });
    });
  }

  /**
   * Puts every write still held in place on this thread (close, a sync checkpoint, a
   * writer over the bound that cannot wait). Jobs in flight then find their write placed
   * and drop their temp files.
   */
  placeAllSync(): void {
    for (const [key, item] of [...this.unplaced.entries()]) {
      const dir = tenantDirPath(this.root, item.tenantId);
      const temp = `${dir}/${tempFileName(item.entryId)}`;
      const fd = this.#openSync(dir, temp);
      try {
        let offset = 0;
        while (offset < item.bytes.byteLength)
          offset += this.ops.writeSync(fd, item.bytes, offset, item.bytes.byteLength - offset, offset);
      } catch (error) {
        this.#discard(temp, fd);
        throw ioError("write", temp, error);
      }
      this.#finish(key, item, temp, fd);
    }
    this.#wake();
  }

  /** True when a placement may start now. */
  #mayRun(): boolean {
    if (this.#waiters.length > 0 || this.unplaced.bytes >= this.policy.highWaterBytes || !this.policy.busy())
      return true;
    this.#idleTimer ??= setTimeout(() => {
      this.#idleTimer = null;
      this.#pump();
    }, IDLE_MS);
    this.#idleTimer.unref?.();
    return false;
  }

  #pump(): void {
    if (this.#retryTimer === null && this.#failed.length > 0)
      this.#queue.splice(this.#head, 0, ...this.#failed.splice(0));
    while (this.#inFlight.size < CONCURRENCY && this.#head < this.#queue.length && this.#mayRun()) {
      const job = this.#queue[this.#head] as Job;
      if (!this.unplaced.isCurrent(job.key, job.item)) {
        this.#head++;
        continue;
      }
      if (this.#inFlight.has(job.key)) break; // an older write of the key is still being dropped
      this.#head++;
      this.#inFlight.set(job.key, job.item.lsn);
      void this.#place(job).finally(() => {
        this.#inFlight.delete(job.key);
        this.#pump();
      });
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    } else if (this.#head >= this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    }
    this.#wake();
  }

  async #place(job: Job): Promise<void> {
    const { key, item } = job;
    const dir = tenantDirPath(this.root, item.tenantId);
    const temp = `${dir}/${tempFileName(item.entryId)}`;
    let fd: number | null = null;
    try {
      fd = await this.#open(dir, temp);
      let offset = 0;
      while (offset < item.bytes.byteLength)
        offset += await this.ops.write(fd, item.bytes, offset, item.bytes.byteLength - offset, offset);
    } catch (error) {
      if (fd !== null) this.#discard(temp, fd);
      if (this.unplaced.isCurrent(key, item)) this.#fail(job, ioError("write", temp, error)); // else dropped meanwhile
      return;
    }
    try {
      this.#finish(key, item, temp, fd);
    } catch (error) {
      this.#fail(job, error);
    }
  }

  /** Keeps a failed job (it still holds its log records back) and tries it again after a pause. */
  #fail(job: Job, error: unknown): void {
    this.lastError = error;
    this.#failed.push(job);
    for (const reject of this.#placedWaiters) reject(error);
    this.#placedWaiters.clear();
    this.#retryTimer ??= setTimeout(() => {
      this.#retryTimer = null;
      this.#pump();
    }, RETRY_MS);
    this.#retryTimer.unref?.();
  }

  /** The synchronous step: rename into place when still current, else drop the temp file. */
  #finish(key: string, item: Unplaced, temp: string, fd: number): void {
    try {
      this.ops.closeSync(fd);
    } catch (error) {
      this.#discard(temp, null);
      throw ioError("close", temp, error);
    }
    if (!this.unplaced.isCurrent(key, item)) {
      this.#discard(temp, null);
      return;
    }
    try {
      this.ops.renameSync(temp, entryFilePath(this.root, item.tenantId, item.entryId));
    } catch (error) {
      this.#discard(temp, null);
      throw ioError("rename", temp, error);
    }
    this.unplaced.placed(key, item);
  }

  async #open(dir: string, temp: string): Promise<number> {
    try {
      return await this.ops.open(temp, TEMP_OPEN_FLAGS, FILE_MODE);
    } catch (error) {
      // The tenant directory went (a cleanup of empty directories): make it again.
      if (errnoOf(error) !== "ENOENT") throw error;
      this.#mkdir(dir);
      return await this.ops.open(temp, TEMP_OPEN_FLAGS, FILE_MODE);
    }
  }

  #openSync(dir: string, temp: string): number {
    try {
      try {
        return this.ops.openSync(temp, TEMP_OPEN_FLAGS, FILE_MODE);
      } catch (error) {
        if (errnoOf(error) !== "ENOENT") throw error;
        this.#mkdir(dir);
        return this.ops.openSync(temp, TEMP_OPEN_FLAGS, FILE_MODE);
      }
    } catch (error) {
      throw ioError("open", temp, error);
    }
  }

  #mkdir(dir: string): void {
    try {
      this.ops.mkdirSync(dir);
    } catch (error) {
      if (errnoOf(error) !== "EEXIST") throw error;
    }
  }

  #discard(temp: string, fd: number | null): void {
    try {
      if (fd !== null) this.ops.closeSync(fd);
    } catch {
      // Already failing.
    }
    try {
      this.ops.unlinkSync(temp);
    } catch {
      // Gone with its directory, or swept when a store next opens.
    }
  }

  /** The lsn of the oldest write not yet in place (Infinity when none). */
  #lowestUnplaced(): number {
    let low = Number.POSITIVE_INFINITY;
    for (const lsn of this.#inFlight.values()) low = Math.min(low, lsn);
    for (const job of this.#failed) low = Math.min(low, job.item.lsn);
    for (let at = this.#head; at < this.#queue.length; at++) {
      const job = this.#queue[at] as Job;
      if (!this.unplaced.isCurrent(job.key, job.item)) continue;
      low = Math.min(low, job.item.lsn);
      break; // the queue is in log order
    }
    return low;
  }

  #wake(): void {
    if (this.#waiters.length === 0) return;
    const low = this.#lowestUnplaced();
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i] as { lsn: number; resolve: () => void };
      if (waiter.lsn < low) {
        this.#waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }
}
