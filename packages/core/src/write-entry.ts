import { statSync } from "node:fs";
import { join } from "node:path";
import type { DirectorySyncer } from "./directory-sync.ts";
import { type FileOps, TEMP_OPEN_FLAGS } from "./file-ops.ts";
import { tempFileName } from "./layout.ts";
import { errnoOf, ioError, StoreError } from "./store-error.ts";

/** What a write needs from its store. */
export interface WriteContext {
  readonly ops: FileOps;
  readonly syncer: DirectorySyncer;
  /** Creates the tenant directory (durably when asked); throws a typed error when it cannot. */
  createTenantDir(tenantId: bigint, durable: boolean): void;
  /**
   * Called right after the rename, in the same synchronous step as the stat of the
   * file it replaced: `replacedBytes` is that file's size, undefined if there was none.
   */
  renamed(write: EntryWrite, replacedBytes: number | undefined): void;
}

/** One entry file to put in place. */
export interface EntryWrite {
  readonly tenantId: bigint;
  readonly entryId: bigint;
  readonly directory: string;
  readonly finalPath: string;
  /** The complete envelope. */
  readonly bytes: Uint8Array;
  /** fsync the file before the rename and the directory after it. */
  readonly durable: boolean;
  /** Unix seconds after which the entry is gone; 0 never. */
  readonly expiresAt: bigint;
}

// Above this size the data is written off the event loop.
const ASYNC_WRITE_BYTES = 256 * 1024;
const FILE_MODE = 0o644;

/**
 * How many times a write tries to open its temp file while the tenant directory is
 * missing. A cleanup (of this process or another) removes an empty tenant directory,
 * and may remove it again between our mkdir and our open: it is empty until the open.
 * Against a cleanup running in a tight loop in another process, about 1 write in 20
 * needs a third attempt and 1 in 3,000 a fourth; 16 make running out unthinkable.
 */
const OPEN_TEMP_ATTEMPTS = 16;

function openTemp(context: WriteContext, write: EntryWrite): { fd: number; tempPath: string } {
  const tempPath = join(write.directory, tempFileName(write.entryId));
  let created = false;
  for (let attempt = 1; ; attempt++) {
    let fd: number;
    try {
      fd = context.ops.openSync(tempPath, TEMP_OPEN_FLAGS, FILE_MODE);
    } catch (error) {
      // The tenant directory is missing (first write, or removed by a cleanup): make it and
      // open again at once, with no fsync in between, so a cleanup has next to no window.
      if (errnoOf(error) !== "ENOENT" || attempt >= OPEN_TEMP_ATTEMPTS) throw ioError("open", tempPath, error);
      context.createTenantDir(write.tenantId, false);
      created = true;
      continue;
    }
    if (created && write.durable) {
      // Our temp file keeps the new directory from being removed: now make it durable.
      try {
        context.createTenantDir(write.tenantId, true);
      } catch (error) {
        discardTemp(context, fd, tempPath);
        throw error;
      }
    }
    return { fd, tempPath };
  }
}

function discardTemp(context: WriteContext, fd: number | null, tempPath: string): void {
  if (fd !== null) {
    try {
      context.ops.closeSync(fd);
    } catch {
      // Already failing; the write's own error is the one to report.
    }
  }
  try {
    context.ops.unlinkSync(tempPath);
  } catch {
    // A temp file that cannot be removed now is swept when a store next opens.
  }
}

function writeAllSync(context: WriteContext, fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.byteLength) {
    offset += context.ops.writeSync(fd, bytes, offset, bytes.byteLength - offset, offset);
  }
}

async function writeAll(context: WriteContext, fd: number, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    offset += await context.ops.write(fd, bytes, offset, bytes.byteLength - offset, offset);
  }
}

function step<T>(operation: string, path: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw ioError(operation, path, error);
  }
}

async function stepAsync<T>(operation: string, path: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw ioError(operation, path, error);
  }
}

/**
 * Writes an entry file atomically: a uniquely named temp file (O_EXCL), fully
 * written, fsynced (durable), renamed over the final name, then the directory
 * fsynced (durable). Readers see the old file or the new one, never a mix; on any
 * failure the temp file is removed and the old entry is untouched.
 * Returns true when no entry existed under the final name just before the rename.
 */
export function writeEntryFileSync(context: WriteContext, write: EntryWrite): boolean {
  const { fd, tempPath } = openTemp(context, write);
  let openFd: number | null = fd;
  try {
    step("write", tempPath, () => writeAllSync(context, fd, write.bytes));
    if (write.durable) step("fsync", tempPath, () => context.ops.fsyncSync(fd));
    openFd = null;
    step("close", tempPath, () => context.ops.closeSync(fd));
    const replacedBytes = step(
      "stat",
      write.finalPath,
      () => statSync(write.finalPath, { throwIfNoEntry: false })?.size,
    );
    step("rename", tempPath, () => context.ops.renameSync(tempPath, write.finalPath));
    context.renamed(write, replacedBytes);
    if (write.durable) step("fsync", write.directory, () => context.syncer.syncNow(write.directory));
    return replacedBytes === undefined;
  } catch (error) {
    discardTemp(context, openFd, tempPath);
    throw error;
  }
}

/**
 * The same protocol as {@link writeEntryFileSync}, with the data write (for large
 * files), the file fsync and the directory fsync off the event loop, so many writes
 * overlap their fsyncs and writes to one directory share directory fsyncs.
 */
export async function writeEntryFile(context: WriteContext, write: EntryWrite): Promise<boolean> {
  const { fd, tempPath } = openTemp(context, write);
  let openFd: number | null = fd;
  try {
    if (write.bytes.byteLength >= ASYNC_WRITE_BYTES) {
      await stepAsync("write", tempPath, () => writeAll(context, fd, write.bytes));
    } else {
      step("write", tempPath, () => writeAllSync(context, fd, write.bytes));
    }
    if (write.durable) await stepAsync("fsync", tempPath, () => context.ops.fsync(fd));
    openFd = null;
    step("close", tempPath, () => context.ops.closeSync(fd));
    const replacedBytes = step(
      "stat",
      write.finalPath,
      () => statSync(write.finalPath, { throwIfNoEntry: false })?.size,
    );
    step("rename", tempPath, () => context.ops.renameSync(tempPath, write.finalPath));
    context.renamed(write, replacedBytes);
    if (write.durable) await stepAsync("fsync", write.directory, () => context.syncer.sync(write.directory));
    return replacedBytes === undefined;
  } catch (error) {
    discardTemp(context, openFd, tempPath);
    throw error;
  }
}
