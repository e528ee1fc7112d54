import { closeSync, constants, ftruncateSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { errnoOf, ioError, type LockHolderInfo, StoreError } from "../contract/store-error.ts";
import { LOCK_FILE } from "./layout.ts";
import { tryLockExclusive, unlock } from "./libc-flock.ts";

/** Who holds a root's lock, as its lock file says. */
export type LockHolder = LockHolderInfo;

/** How a store treats the root lock. */
export type LockMode =
  /** Takes the root's exclusive lock before its first write (the default). */
  | "exclusive"
  /** Takes no lock and refuses every write with `read_only`. */
  | "read-only"
  /** Takes no lock and writes anyway: only for tests of the file protocol itself with several writer processes. */
  | "none";

// Not in node:fs constants under Bun: close-on-exec, so a child process never inherits the lock.
const O_CLOEXEC = process.platform === "darwin" ? 0x1000000 : 0o2000000;

interface HeldLock {
  readonly fd: number;
  refs: number;
}

// One lock per root per process, shared by every writing store of that process on it:
// flock conflicts between two fds of one process too, and the suites (and apps) that
// open several store objects on one root in one process must keep working. What the
// lock guarantees is one writing *process* per root.
const held = new Map<string, HeldLock>();

function isDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false; // ENOTDIR, EACCES, ...: the operation itself reports it
  }
}

/** The holder named in a lock file, when it names one. */
export function readLockHolder(root: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(`${root}/${LOCK_FILE}`, "utf8");
  } catch {
    return undefined;
  }
  const [pidText, ...rest] = text.split("\n");
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return { pid, name: rest.join(" ").trim() || "a store" };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) === "EPERM";
  }
}

/**
 * The holder of a lock this process just failed to take. A holder that locked a moment
 * ago may not have written its pid yet (the file is then empty, or names the previous,
 * dead holder): read again for up to ~50 ms until it names a live process.
 */
function currentHolder(root: string): LockHolder | undefined {
  for (let attempt = 0; ; attempt++) {
    const holder = readLockHolder(root);
    if ((holder !== undefined && isAlive(holder.pid)) || attempt >= 50) return holder;
    Bun.sleepSync(1);
  }
}

function lockedError(root: string, holder: LockHolder | undefined): StoreError {
  const who = holder === undefined ? "another process" : `${holder.name} (pid ${holder.pid})`;
  return new StoreError("locked", `storage root ${root} is locked by ${who}: one writing process per root`, {
    holder,
  });
}

/**
 * The root's writer lock: an exclusive flock(2) on `<root>/.reflex-lock`, taken before a
 * store's first write and held until `release()` (the store's `close()`) or the process
 * ends. The kernel drops it when the process dies, SIGKILL included: there is no stale
 * lock to clean. A second process that tries to write gets `locked` naming the holder.
 */
export class RootLock {
  #held = false;
  /**
   * Runs when this store takes the process's lock afresh (no other store of the process
   * held it): whatever the last holder left, such as its write-ahead log, is now this
   * process's to recover.
   */
  onAcquire: (() => void) | null = null;

  constructor(
    readonly root: string,
    readonly mode: LockMode,
    private readonly owner: string,
  ) {}

  /** True while this store holds (a share of) the process's lock on the root. */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Before any write: `read_only` in read-only mode; else takes the lock if this store
   * does not hold it yet. A root that does not exist yet is locked once it is made.
   */
  ensureWritable(): void {
    if (this.#held || this.mode === "none") return;
    if (this.mode === "read-only") {
      throw new StoreError("read_only", `this store of ${this.root} is read-only: it cannot write`);
    }
    if (isDirectory(this.root)) this.acquire();
  }

  /** Takes the lock now (the root must exist); `locked` when another process holds it. */
  acquire(): void {
    if (this.#held || this.mode !== "exclusive") return;
    const shared = held.get(this.root);
    if (shared !== undefined) {
      shared.refs++;
      this.#held = true;
      return;
    }
    const path = `${this.root}/${LOCK_FILE}`;
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_CREAT | O_CLOEXEC, 0o644);
    } catch (error) {
      // A root this process cannot write to (a read-only file system, no permission): no
      // lock is taken, and each write fails with its own typed errno (EROFS, EACCES).
      if (errnoOf(error) === "EROFS" || errnoOf(error) === "EACCES") return;
      throw ioError("open", path, error);
    }
    const result = tryLockExclusive(fd);
    if (!result.ok) {
      closeSync(fd);
      if (result.busy) throw lockedError(this.root, currentHolder(this.root));
      throw new StoreError("io", `flock ${path} failed: errno ${result.errno}`, { errno: String(result.errno) });
    }
    try {
      // Written over the old text, then cut to length: the file is never empty in between.
      const text = Buffer.from(`${process.pid}\n${this.owner}\n`);
      writeSync(fd, text, 0, text.byteLength, 0);
      ftruncateSync(fd, text.byteLength);
    } catch {
      // The lock is what counts; the text only names the holder in others' errors.
    }
    held.set(this.root, { fd, refs: 1 });
    this.#held = true;
    try {
      this.onAcquire?.();
    } catch (error) {
      this.release();
      throw error;
    }
  }

  /** True when this store holds the process's only share of the lock: its release unlocks the root. */
  get lastShare(): boolean {
    return this.#held && held.get(this.root)?.refs === 1;
  }

  /** Gives this store's share back; the last share of the process unlocks and closes the file. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    const shared = held.get(this.root);
    if (shared === undefined || --shared.refs > 0) return;
    held.delete(this.root);
    unlock(shared.fd);
    closeSync(shared.fd);
  }
}
