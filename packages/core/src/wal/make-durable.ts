import { constants } from "node:fs";
import { errnoOf, ioError } from "../contract/store-error.ts";
import { DIR_OPEN_FLAGS, type FileOps } from "../disk/file-ops.ts";

/** What a checkpoint makes durable: entry files put in place, and directories whose names changed. */
export interface Changed {
  readonly files: Set<string>;
  readonly dirs: Set<string>;
}

/** A checkpoint this large uses syncfs(2) rather than one fsync per file (where there is a syncfs). */
export const SYNCFS_ABOVE_FILES = 512;
const PARALLEL_FSYNCS = 32;

/** An empty change set. */
export function noChanges(): Changed {
  return { files: new Set(), dirs: new Set() };
}

/** Everything the given segments changed, in one set. */
export function changesOf(segments: readonly { readonly changed: Changed }[]): Changed {
  const changed = noChanges();
  for (const segment of segments) {
    for (const file of segment.changed.files) changed.files.add(file);
    for (const dir of segment.changed.dirs) changed.dirs.add(dir);
  }
  return changed;
}

function open(ops: FileOps, path: string, flags: number): number | null {
  try {
    return ops.openSync(path, flags);
  } catch (error) {
    // Gone since: removed by a later delete (logged after it) or its directory removed.
    if (errnoOf(error) === "ENOENT" || errnoOf(error) === "ENOTDIR") return null;
    throw ioError("open", path, error);
  }
}

function fsyncPathSync(ops: FileOps, path: string, flags: number): void {
  const fd = open(ops, path, flags);
  if (fd === null) return;
  try {
    ops.fsyncSync(fd);
  } catch (error) {
    throw ioError("fsync", path, error);
  } finally {
    ops.closeSync(fd);
  }
}

async function fsyncPath(ops: FileOps, path: string, flags: number): Promise<void> {
  const fd = open(ops, path, flags);
  if (fd === null) return;
  try {
    await ops.fsync(fd);
  } catch (error) {
    throw ioError("fsync", path, error);
  } finally {
    ops.closeSync(fd);
  }
}

/**
 * Makes `changed` durable on this thread: one syncfs when it is large (and the platform
 * has one), else an fsync of every file, then of every directory.
 */
export function makeDurableSync(ops: FileOps, root: string, changed: Changed): void {
  if (changed.files.size > SYNCFS_ABOVE_FILES) {
    const fd = open(ops, root, DIR_OPEN_FLAGS);
    if (fd !== null) {
      try {
        if (ops.syncfsSync(fd)) return;
      } catch (error) {
        throw ioError("syncfs", root, error);
      } finally {
        ops.closeSync(fd);
      }
    }
  }
  for (const file of changed.files) fsyncPathSync(ops, file, constants.O_RDONLY);
  for (const dir of changed.dirs) fsyncPathSync(ops, dir, DIR_OPEN_FLAGS);
}

/** {@link makeDurableSync} off the event loop: fsyncs on the thread pool, a few at a time. */
export async function makeDurable(ops: FileOps, changed: Changed): Promise<void> {
  const files = [...changed.files];
  for (let at = 0; at < files.length; at += PARALLEL_FSYNCS) {
    await Promise.all(files.slice(at, at + PARALLEL_FSYNCS).map((file) => fsyncPath(ops, file, constants.O_RDONLY)));
  }
  await Promise.all([...changed.dirs].map((dir) => fsyncPath(ops, dir, DIR_OPEN_FLAGS)));
}
