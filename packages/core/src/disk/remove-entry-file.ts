import { errnoOf, ioError } from "../contract/store-error.ts";
import type { Ledger, RemovalCause } from "../ledger/ledger.ts";
import type { WriteAheadLog } from "../wal/write-ahead-log.ts";
import type { DirectorySyncer } from "./directory-sync.ts";
import type { FileOps } from "./file-ops.ts";
import { entryFilePath, entryKey } from "./layout.ts";

/** What removing an entry file needs. */
export interface RemoveContext {
  readonly root: string;
  readonly ops: FileOps;
  readonly ledger: Ledger;
  /** The root's write-ahead log, when the store keeps one: its unplaced puts are entries too. */
  readonly wal?: WriteAheadLog | null;
}

/**
 * Unlinks an entry file and reports it to the ledger: `removed` with the size it had,
 * or `vanished` when it was not there. The stat and the unlink run in one synchronous
 * step, so indexes that count bytes stay exact. Throws the file system's error as it is
 * (ENOENT included) for the caller to map. A put of the log not yet in place is the
 * entry: it is dropped (its placement then drops its temp file) and any older file unlinked.
 */
export function removeEntryFile(context: RemoveContext, tenantId: bigint, entryId: bigint, cause: RemovalCause): void {
  const path = entryFilePath(context.root, tenantId, entryId);
  const unplaced = context.wal?.unplaced.remove(entryKey(tenantId, entryId));
  context.wal?.sizes.forget(entryKey(tenantId, entryId));
  const fileBytes = unplaced?.bytes.byteLength ?? context.ops.statSync(path)?.size;
  try {
    context.ops.unlinkSync(path);
  } catch (error) {
    const errno = errnoOf(error);
    const missing = errno === "ENOENT" || errno === "ENOTDIR";
    if (!missing && unplaced !== undefined) context.wal?.unplaced.set(entryKey(tenantId, entryId), unplaced);
    if (!missing || unplaced === undefined) {
      if (missing) context.ledger.vanished(tenantId, entryId);
      throw error;
    }
  }
  context.ledger.removed({ tenantId, entryId, fileBytes: fileBytes ?? 0, cause });
}

/** Fsyncs a directory on this thread; an `io` error when it fails. */
export function syncDirectoryNow(syncer: DirectorySyncer, directory: string): void {
  try {
    syncer.syncNow(directory);
  } catch (error) {
    throw ioError("fsync", directory, error);
  }
}

/** Waits for a directory fsync that starts after this call (group commit); an `io` error when it fails. */
export async function syncDirectory(syncer: DirectorySyncer, directory: string): Promise<void> {
  try {
    await syncer.sync(directory);
  } catch (error) {
    throw ioError("fsync", directory, error);
  }
}
