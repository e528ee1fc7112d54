// Group commit of directory fsyncs, driven by hand: a fake FileOps whose fsync
// finishes only when the test says so, and counts everything.
import { describe, expect, test } from "bun:test";
import { DirectorySyncer } from "./directory-sync.ts";
import { DIR_OPEN_FLAGS, type FileOps } from "./file-ops.ts";

/** A FileOps for directories only: fsync() waits for finish(); every call is counted. */
class ManualOps implements FileOps {
  readonly opened: string[] = [];
  readonly closed: number[] = [];
  /** Async fsyncs started. */
  started = 0;
  /** syncNow fsyncs. */
  syncedNow = 0;
  openError: Error | null = null;
  fsyncSyncError: Error | null = null;
  readonly #pending: { fd: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  #nextFd = 100;

  get running(): number {
    return this.#pending.length;
  }

  /** Ends the oldest running fsync, with `error` or successfully. */
  finish(error?: Error): void {
    const fsync = this.#pending.shift();
    if (fsync === undefined) throw new Error("no fsync is running");
    if (error === undefined) fsync.resolve();
    else fsync.reject(error);
  }

  openSync(path: string, flags: number): number {
    expect(flags).toBe(DIR_OPEN_FLAGS);
    if (this.openError !== null) throw this.openError;
    this.opened.push(path);
    return this.#nextFd++;
  }

  async open(path: string, flags: number): Promise<number> {
    return this.openSync(path, flags);
  }

  fsync(fd: number): Promise<void> {
    this.started++;
    return new Promise((resolve, reject) => this.#pending.push({ fd, resolve, reject }));
  }

  fsyncSync(): void {
    this.syncedNow++;
    if (this.fsyncSyncError !== null) throw this.fsyncSyncError;
  }

  syncfsSync(_fd: number): boolean {
    return false;
  }

  closeSync(fd: number): void {
    this.closed.push(fd);
  }

  writeSync(): number {
    throw new Error("not used");
  }

  write(): Promise<number> {
    throw new Error("not used");
  }

  renameSync(): void {
    throw new Error("not used");
  }

  unlinkSync(): void {
    throw new Error("not used");
  }

  mkdirSync(): void {
    throw new Error("not used");
  }

  rmdirSync(): void {
    throw new Error("not used");
  }

  rmSync(): void {
    throw new Error("not used");
  }

  statSync(): undefined {
    throw new Error("not used");
  }

  utimesSync(): void {
    throw new Error("not used");
  }
}

/** A promise's state, readable synchronously. */
function track(promise: Promise<void>): { state: "pending" | "resolved" | "rejected"; error?: unknown } {
  const tracked: { state: "pending" | "resolved" | "rejected"; error?: unknown } = { state: "pending" };
  promise.then(
    () => {
      tracked.state = "resolved";
    },
    (error: unknown) => {
      tracked.state = "rejected";
      tracked.error = error;
    },
  );
  return tracked;
}

/** Lets every promise reaction that can run, run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function errno(code: string): Error {
  return Object.assign(new Error(code), { code });
}

const DIR = "/store/7";

describe("DirectorySyncer.sync", () => {
  test("ten calls while a sync runs share exactly one next fsync", async () => {
    const ops = new ManualOps();
    const syncer = new DirectorySyncer(ops);
    const first = track(syncer.sync(DIR));
    expect(ops.started).toBe(1);
    const waiters = Array.from({ length: 10 }, () => track(syncer.sync(DIR)));
    await settle();
    expect(ops.started).toBe(1);
    expect([first, ...waiters].every((w) => w.state === "pending")).toBe(true);

    ops.finish();
    await settle();
    // The running fsync may have started before their renames: it does not cover them.
    expect(first.state).toBe("resolved");
    expect(waiters.every((w) => w.state === "pending")).toBe(true);
    expect(ops.started).toBe(2);

    ops.finish();
    await settle();
    expect(waiters.every((w) => w.state === "resolved")).toBe(true);
    expect(ops.started).toBe(2);
    expect(ops.opened).toEqual([DIR, DIR]);
    expect(ops.closed).toEqual([100, 101]);
    expect(ops.running).toBe(0);
  });

  test("a call is covered only by an fsync that started after it", async () => {
    const ops = new ManualOps();
    const syncer = new DirectorySyncer(ops);
    const a = track(syncer.sync(DIR)); // starts fsync 1
    const b = track(syncer.sync(DIR)); // fsync 1 is running: waits for fsync 2
    ops.finish();
    await settle();
    expect([a.state, b.state, ops.started]).toEqual(["resolved", "pending", 2]);
    const c = track(syncer.sync(DIR)); // fsync 2 started before this call: waits for fsync 3
    ops.finish();
    await settle();
    expect([b.state, c.state, ops.started]).toEqual(["resolved", "pending", 3]);
    ops.finish();
    await settle();
    expect([c.state, ops.started, ops.running]).toEqual(["resolved", 3, 0]);
  });

  test("an error reaches every waiter of that fsync; the next call starts a fresh one", async () => {
    const ops = new ManualOps();
    const syncer = new DirectorySyncer(ops);
    const a = track(syncer.sync(DIR));
    const waiters = [track(syncer.sync(DIR)), track(syncer.sync(DIR)), track(syncer.sync(DIR))];
    ops.finish();
    await settle();
    expect(a.state).toBe("resolved");
    const eio = errno("EIO");
    ops.finish(eio);
    await settle();
    for (const waiter of waiters) expect(waiter).toEqual({ state: "rejected", error: eio });
    expect(ops.closed).toEqual([100, 101]); // closed despite the error

    const next = track(syncer.sync(DIR));
    expect(ops.started).toBe(3); // at once: nothing is running any more
    ops.finish();
    await settle();
    expect(next.state).toBe("resolved");
  });

  test("callers waiting behind a failed fsync get a fresh fsync, not its error", async () => {
    const ops = new ManualOps();
    const syncer = new DirectorySyncer(ops);
    const a = track(syncer.sync(DIR));
    const b = track(syncer.sync(DIR));
    const eio = errno("EIO");
    ops.finish(eio);
    await settle();
    expect(a).toEqual({ state: "rejected", error: eio });
    expect([b.state, ops.started]).toEqual(["pending", 2]);
    ops.finish();
    await settle();
    expect(b.state).toBe("resolved");
  });

  test("directories are synced independently", async () => {
    const ops = new ManualOps();
    const syncer = new DirectorySyncer(ops);
    const a = track(syncer.sync("/store/1"));
    const b = track(syncer.sync("/store/2"));
    expect(ops.started).toBe(2);
    expect(ops.opened).toEqual(["/store/1", "/store/2"]);
    ops.finish();
    ops.finish();
    await settle();
    expect([a.state, b.state]).toEqual(["resolved", "resolved"]);
  });

  test("a directory that no longer exists has nothing left to sync; other open errors reject", async () => {
    const ops = new ManualOps();
    const syncer = new DirectorySyncer(ops);
    ops.openError = errno("ENOENT");
    await syncer.sync(DIR);
    ops.openError = errno("EACCES");
    const denied = track(syncer.sync(DIR));
    await settle();
    expect(denied).toEqual({ state: "rejected", error: ops.openError });
    expect([ops.started, ops.closed.length]).toEqual([0, 0]);
    // And the syncer is not stuck.
    ops.openError = null;
    const next = track(syncer.sync(DIR));
    expect(ops.started).toBe(1);
    ops.finish();
    await settle();
    expect(next.state).toBe("resolved");
  });
});

describe("DirectorySyncer.syncNow", () => {
  test("fsyncs at once on this thread, even while an async sync of the directory runs", async () => {
    const ops = new ManualOps();
    const syncer = new DirectorySyncer(ops);
    const running = track(syncer.sync(DIR));
    syncer.syncNow(DIR);
    expect(ops.syncedNow).toBe(1);
    expect(ops.closed).toEqual([101]);
    expect(running.state).toBe("pending");
    ops.finish();
    await settle();
    expect(running.state).toBe("resolved");
    expect(ops.started).toBe(1);
  });

  test("throws the fsync error and still closes the directory; a missing directory is a no-op", () => {
    const ops = new ManualOps();
    const syncer = new DirectorySyncer(ops);
    ops.fsyncSyncError = errno("EIO");
    expect(() => syncer.syncNow(DIR)).toThrow(ops.fsyncSyncError);
    expect(ops.closed).toEqual([100]);
    ops.openError = errno("ENOENT");
    syncer.syncNow(DIR);
    expect(ops.syncedNow).toBe(1);
    ops.openError = errno("EMFILE");
    expect(() => syncer.syncNow(DIR)).toThrow(ops.openError);
  });
});
