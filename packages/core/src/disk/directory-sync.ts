import { errnoOf } from "../contract/store-error.ts";
import { DIR_OPEN_FLAGS, type FileOps } from "./file-ops.ts";

interface DirectoryState {
  running: Promise<void> | null;
  queued: Promise<void> | null;
}

/**
 * Group commit for directory fsyncs. A rename is durable once its directory is
 * fsynced *after* the rename; one fsync covers every rename before it. So a caller
 * whose rename happened while a sync of the same directory is running waits for the
 * next one, and all such callers share that next sync. With N writes in flight to
 * one tenant this turns N directory fsyncs into about two.
 */
export class DirectorySyncer {
  readonly #states = new Map<string, DirectoryState>();

  constructor(private readonly ops: FileOps) {}

  /** Resolves once a directory fsync that started after this call has finished. */
  sync(directory: string): Promise<void> {
    let state = this.#states.get(directory);
    if (state === undefined) {
      state = { running: null, queued: null };
      this.#states.set(directory, state);
    }
    if (state.queued !== null) return state.queued;
    if (state.running === null) return this.#start(directory, state);
    const current = state;
    const afterRunning = current.running?.catch(() => undefined) ?? Promise.resolve();
    current.queued = afterRunning.then(() => {
      current.queued = null;
      return this.#start(directory, current);
    });
    return current.queued;
  }

  /** Fsyncs `directory` now, on this thread. */
  syncNow(directory: string): void {
    const fd = this.#open(directory);
    if (fd === null) return;
    try {
      this.ops.fsyncSync(fd);
    } finally {
      this.ops.closeSync(fd);
    }
  }

  #start(directory: string, state: DirectoryState): Promise<void> {
    const run = this.#fsync(directory).finally(() => {
      if (state.running === run) state.running = null;
      if (state.running === null && state.queued === null) this.#states.delete(directory);
    });
    state.running = run;
    return run;
  }

  async #fsync(directory: string): Promise<void> {
    const fd = this.#open(directory);
    if (fd === null) return;
    try {
      await this.ops.fsync(fd);
    } finally {
      this.ops.closeSync(fd);
    }
  }

  /**
   * Opens a directory to fsync, or returns null when it no longer exists: whoever
   * removed it (a cleanup of an emptied tenant dir, racing a delete whose sync was
   * queued) also removed every name renamed or unlinked in it, so nothing is left
   * to make durable there, and the caller's operation did happen.
   */
  #open(directory: string): number | null {
    try {
      return this.ops.openSync(directory, DIR_OPEN_FLAGS);
    } catch (error) {
      if (errnoOf(error) === "ENOENT") return null;
      throw error;
    }
  }
}
