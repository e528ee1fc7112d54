import { join } from "node:path";
import { type EntryFields, readEnvelopeHeader } from "@reflex/codec";
import { errnoOf, ioError, StoreError } from "../contract/store-error.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { walRecord } from "../wal/wal-format.ts";
import type { WriteAheadLog } from "../wal/write-ahead-log.ts";
import type { DirectorySyncer } from "./directory-sync.ts";
import { type FileOps, TEMP_OPEN_FLAGS } from "./file-ops.ts";
import { entryKey, tempFileName } from "./layout.ts";
import { syncDirectory, syncDirectoryNow } from "./remove-entry-file.ts";
import type { TenantDirs } from "./tenant-dirs.ts";

/** What a write needs from its store. */
export interface WriteContext {
  readonly ops: FileOps;
  readonly syncer: DirectorySyncer;
  readonly dirs: TenantDirs;
  readonly ledger: Ledger;
  /** The root's write-ahead log, when the store keeps one. */
  readonly wal?: WriteAheadLog | null;
}

/** One entry file to put in place. */
export interface EntryWrite {
  readonly tenantId: bigint;
  readonly entryId: bigint;
  /** The entry as given, for the ledger's subscribers. */
  readonly entry: EntryFields;
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

/**
 * How many times an async write is tried while tenant deletions of this store land during
 * it. A deletion renames the tenant's directory aside and takes the write's temp file with
 * it, so the write's rename fails (ENOENT); tried again, the write makes the tenant afresh
 * and lands after the deletion it overlapped. Only a failure before the entry was renamed
 * into place is tried again: once in place, a later write or delete may already have
 * superseded it. A sync write cannot overlap a deletion.
 */
const DELETION_ATTEMPTS = 4;

/** An open temp file; `fd` is null once it is closed. */
interface TempFile {
  fd: number | null;
  readonly path: string;
}

function openTemp(context: WriteContext, write: EntryWrite): { temp: TempFile; fd: number } {
  const path = join(write.directory, tempFileName(write.entryId));
  let created = false;
  for (let attempt = 1; ; attempt++) {
    let fd: number;
    try {
      fd = context.ops.openSync(path, TEMP_OPEN_FLAGS, FILE_MODE);
    } catch (error) {
      // The tenant directory is missing (first write, or removed by a cleanup): make it and
      // open again at once, with no fsync in between, so a cleanup has next to no window.
      if (errnoOf(error) !== "ENOENT" || attempt >= OPEN_TEMP_ATTEMPTS) throw ioError("open", path, error);
      context.dirs.create(write.tenantId, false);
      created = true;
      continue;
    }
    const temp: TempFile = { fd, path };
    if (created && write.durable) {
      // Our temp file keeps the new directory from being removed: now make it durable.
      try {
        context.dirs.create(write.tenantId, true);
      } catch (error) {
        discardTemp(context.ops, temp);
        throw error;
      }
    }
    return { temp, fd };
  }
}

function discardTemp(ops: FileOps, temp: TempFile): void {
  if (temp.fd !== null) {
    try {
      ops.closeSync(temp.fd);
    } catch {
      // Already failing; the write's own error is the one to report.
    }
  }
  try {
    ops.unlinkSync(temp.path);
  } catch {
    // A temp file that cannot be removed now is swept when a store next opens.
  }
}

/** Runs one step of the protocol; a file-system failure becomes an `io` error naming it (sync or async). */
function step<T>(operation: string, path: string, action: () => T): T {
  const asIoError = (error: unknown): never => {
    if (error instanceof StoreError) throw error;
    throw ioError(operation, path, error);
  };
  let result: T;
  try {
    result = action();
  } catch (error) {
    return asIoError(error);
  }
  return result instanceof Promise ? (result.catch(asIoError) as T) : result;
}

function writeAllSync(ops: FileOps, fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.byteLength) offset += ops.writeSync(fd, bytes, offset, bytes.byteLength - offset, offset);
}

async function writeAll(ops: FileOps, fd: number, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) offset += await ops.write(fd, bytes, offset, bytes.byteLength - offset, offset);
}

/**
 * Closes the written temp file and renames it over the final name, reporting the write
 * to the ledger in the same synchronous step as the stat of the file it replaces.
 * Returns true when no entry existed under the final name just before the rename.
 */
function renameIntoPlace(context: WriteContext, write: EntryWrite, temp: TempFile, fd: number): boolean {
  temp.fd = null; // closed, or failed to close: either way not to be closed again
  step("close", temp.path, () => context.ops.closeSync(fd));
  const replacedBytes = step("stat", write.finalPath, () => context.ops.statSync(write.finalPath)?.size);
  context.wal?.sizes.forget(entryKey(write.tenantId, write.entryId)); // changed outside the log's commits
  step("rename", temp.path, () => context.ops.renameSync(temp.path, write.finalPath));
  context.ledger.written({
    tenantId: write.tenantId,
    entryId: write.entryId,
    entry: write.entry,
    fileBytes: write.bytes.byteLength,
    replacedBytes,
    expiresAt: write.expiresAt,
  });
  return replacedBytes === undefined;
}

/**
 * The log a write goes through: every durable write when the store keeps one, and an
 * atomic write of an entry the log still holds a record of (else a replay would put the
 * older record back over it). Null: the file protocol alone.
 */
function logOf(context: WriteContext, write: EntryWrite): WriteAheadLog | null {
  const wal = context.wal ?? null;
  if (wal === null || (!write.durable && !wal.holds(entryKey(write.tenantId, write.entryId)))) return null;
  return wal;
}

/**
 * Appends a write to the log: acknowledged once the log is fsynced (with every record
 * before it), its file put in place after that by the log's placer. Applying it (in log
 * order) makes it the entry's unplaced last word, which every read looks at first, and
 * tells the ledger. Returns true when no entry existed just before.
 */
function logWrite<T extends boolean | Promise<boolean>>(
  context: WriteContext,
  wal: WriteAheadLog,
  write: EntryWrite,
  append: WriteAheadLog["appendSync"] | WriteAheadLog["append"],
): T {
  const key = entryKey(write.tenantId, write.entryId);
  const record = walRecord("put", write.tenantId, write.entryId, write.bytes);
  const apply = (lsn: number): boolean => {
    const previous = wal.unplaced.get(key);
    const replacedBytes = previous === undefined ? wal.sizes.take(key, write.finalPath) : previous.bytes.byteLength;
    const { headerBytes } = readEnvelopeHeader(write.bytes);
    const { tenantId, entryId, bytes, expiresAt } = write;
    const item = { tenantId, entryId, lsn, bytes, headerBytes, expiresAt };
    if (!wal.unplaced.set(key, item)) return true; // its tenant was deleted after it was logged
    wal.placer.enqueue(key, item);
    const fileBytes = bytes.byteLength;
    context.ledger.written({ tenantId, entryId, entry: write.entry, fileBytes, replacedBytes, expiresAt });
    return replacedBytes === undefined;
  };
  return append.call(wal, record, key, write.finalPath, write.directory, write.durable, apply) as T;
}

/**
 * Writes an entry file atomically: a uniquely named temp file (O_EXCL), fully
 * written, fsynced (durable), renamed over the final name, then the directory
 * fsynced (durable). With a write-ahead log, a durable write is logged instead (see
 * logWrite). Readers see the old file or the new one, never a mix; on any failure the
 * temp file is removed and the old entry is untouched.
 * Returns true when no entry existed under the final name just before the rename.
 */
export function writeEntryFileSync(context: WriteContext, write: EntryWrite): boolean {
  const wal = logOf(context, write);
  if (wal !== null) return logWrite<boolean>(context, wal, write, wal.appendSync);
  const { temp, fd } = openTemp(context, write);
  try {
    step("write", temp.path, () => writeAllSync(context.ops, fd, write.bytes));
    if (write.durable) step("fsync", temp.path, () => context.ops.fsyncSync(fd));
    const created = renameIntoPlace(context, write, temp, fd);
    if (write.durable) syncDirectoryNow(context.syncer, write.directory);
    return created;
  } catch (error) {
    discardTemp(context.ops, temp);
    throw error;
  }
}

/**
 * The same protocol as {@link writeEntryFileSync}, with the data write (for large
 * files), the file fsync and the directory fsync off the event loop, so many writes
 * overlap their fsyncs and writes to one directory share directory fsyncs. A write that
 * fails while a tenant deletion of this store lands is tried again (see DELETION_ATTEMPTS).
 */
export async function writeEntryFile(context: WriteContext, write: EntryWrite, attempt = 1): Promise<boolean> {
  const wal = logOf(context, write);
  if (wal !== null) return logWrite<Promise<boolean>>(context, wal, write, wal.append);
  const deletions = context.dirs.movedAside;
  const { temp, fd } = openTemp(context, write);
  let placed: boolean | undefined; // set once the entry is in place: whether it was new
  try {
    if (write.bytes.byteLength >= ASYNC_WRITE_BYTES)
      await step("write", temp.path, () => writeAll(context.ops, fd, write.bytes));
    else step("write", temp.path, () => writeAllSync(context.ops, fd, write.bytes));
    if (write.durable) await step("fsync", temp.path, () => context.ops.fsync(fd));
    placed = renameIntoPlace(context, write, temp, fd);
    if (write.durable) await syncDirectory(context.syncer, write.directory);
    return placed;
  } catch (error) {
    discardTemp(context.ops, temp);
    const errno = error instanceof StoreError ? error.errno : errnoOf(error);
    if (errno === "ENOENT" && context.dirs.movedAside !== deletions) {
      // In place, then its directory renamed aside before the fsync of it: the deletion came after the write.
      if (placed !== undefined) return placed;
      if (attempt < DELETION_ATTEMPTS) return writeEntryFile(context, write, attempt + 1);
    }
    throw error;
  }
}
