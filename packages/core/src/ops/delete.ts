import { checkId } from "../contract/ids.ts";
import { errnoOf, ioError, StoreError } from "../contract/store-error.ts";
import { entryFilePath, entryKey, tenantDirPath } from "../disk/layout.ts";
import { removeEntryFile, syncDirectory, syncDirectoryNow } from "../disk/remove-entry-file.ts";
import type { StoreContext } from "../store/store-context.ts";
import { walRecord } from "../wal/wal-format.ts";
import type { WriteAheadLog } from "../wal/write-ahead-log.ts";

function check(context: StoreContext, id: bigint, tenantId: bigint): void {
  context.lock.ensureWritable();
  checkId(id, "entry id");
  checkId(tenantId, "tenant id");
}

/** Unlinks the entry's file; `not_found` when there is none. Returns the tenant directory to fsync. */
function unlink(context: StoreContext, id: bigint, tenantId: bigint): string {
  try {
    removeEntryFile(context, tenantId, id, "deleted");
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === "ENOENT" || errno === "ENOTDIR") {
      throw new StoreError("not_found", `entry ${id} of tenant ${tenantId} not found`, { errno });
    }
    throw ioError("unlink", entryFilePath(context.root, tenantId, id), error);
  }
  return tenantDirPath(context.root, tenantId);
}

/**
 * The log a delete goes through (as a write's, see write-entry.ts); null when the entry
 * is not there and the log holds no record of it: `not_found` at once, nothing logged.
 */
function logOf(context: StoreContext, id: bigint, tenantId: bigint, durable: boolean): WriteAheadLog | null {
  const wal = context.wal;
  if (wal === null) return null;
  const key = entryKey(tenantId, id);
  const held = wal.holds(key);
  if (held || wal.unplaced.get(key) !== undefined) return wal;
  if (!durable || context.ops.statSync(entryFilePath(context.root, tenantId, id)) === undefined) return null;
  return wal;
}

/**
 * A tombstone that did not fit (ENOSPC, before anything was applied): a full disk must
 * still let deletes free space. The log is checkpointed here (its files made durable, its
 * segments removed, which frees their space), so no record is left to put the entry back,
 * and the delete goes on by the file protocol. True when that happened.
 */
function logIsFull(wal: WriteAheadLog, error: unknown): boolean {
  if (!(error instanceof StoreError) || error.errno !== "ENOSPC") return false;
  wal.checkpointSync();
  return true;
}

/** Deletes an entry; with fsync durability, resolves once the removal is durable. */
export async function deleteEntry(context: StoreContext, id: bigint, tenantId: bigint): Promise<void> {
  check(context, id, tenantId);
  const durable = context.options.durability !== "atomic";
  const wal = logOf(context, id, tenantId, durable);
  if (wal !== null) {
    // Logged: the unlink runs once the tombstone is durable, in log order.
    const record = walRecord("delete", tenantId, id);
    const directory = tenantDirPath(context.root, tenantId);
    try {
      await wal.append(record, entryKey(tenantId, id), null, directory, durable, () => unlink(context, id, tenantId));
      return;
    } catch (error) {
      if (!logIsFull(wal, error)) throw error;
    }
  }
  const directory = unlink(context, id, tenantId);
  if (durable) await syncDirectory(context.syncer, directory);
}

/** {@link deleteEntry} on this thread. */
export function deleteEntrySync(context: StoreContext, id: bigint, tenantId: bigint): void {
  check(context, id, tenantId);
  const durable = context.options.durability !== "atomic";
  const wal = logOf(context, id, tenantId, durable);
  if (wal !== null) {
    const record = walRecord("delete", tenantId, id);
    const directory = tenantDirPath(context.root, tenantId);
    try {
      wal.appendSync(record, entryKey(tenantId, id), null, directory, durable, () => unlink(context, id, tenantId));
      return;
    } catch (error) {
      if (!logIsFull(wal, error)) throw error;
    }
  }
  const directory = unlink(context, id, tenantId);
  if (durable) syncDirectoryNow(context.syncer, directory);
}
