import type { TenantDeletionOptions } from "../contract/entry-store.ts";
import { checkId } from "../contract/ids.ts";
import { errnoOf, ioError } from "../contract/store-error.ts";
import type { FileOps } from "../disk/file-ops.ts";
import { DELETING_PREFIX, ENTRY_EXTENSION } from "../disk/layout.ts";
import { readDirectory } from "../disk/root-walk.ts";
import type { StoreContext } from "../store/store-context.ts";
import { walRecord } from "../wal/wal-format.ts";

const YIELD_EVERY = 256;

/**
 * Removes what is left in a tenant directory renamed aside (see `TenantDirs.moveAside`):
 * every file (entries, temp files, junk), then the directory. Returns the entry files
 * removed. Nothing here is visible to a listing, so a crash at any point leaves no half
 * tenant: the next writer that opens the root finishes the job.
 */
async function removeAside(
  ops: FileOps,
  aside: string,
  onProgress: TenantDeletionOptions["onProgress"],
  yieldNow: () => Promise<void>,
): Promise<number> {
  const names = readDirectory(aside, "strict") ?? [];
  let entries = 0;
  let done = 0;
  for (const dirent of names) {
    const path = `${aside}/${dirent.name}`;
    try {
      ops.rmSync(path, dirent.isDirectory());
    } catch (error) {
      throw ioError("unlink", path, error);
    }
    if (dirent.name.endsWith(ENTRY_EXTENSION)) entries++;
    done++;
    if (done % YIELD_EVERY === 0) {
      onProgress?.({ done, total: names.length });
      await yieldNow();
    }
  }
  onProgress?.({ done, total: names.length });
  try {
    ops.rmSync(aside, true);
  } catch (error) {
    throw ioError("rmdir", aside, error);
  }
  return entries;
}

/**
 * Deletes a whole tenant, crash-safe: one rename takes its directory out of every
 * listing at once (fsynced with `fsync` durability), then its files are removed from
 * there, yielding to the event loop as it goes. Resolves to the entry files removed.
 * `not_found` when the tenant has no directory. A write of this store to the tenant in
 * flight either was in place before the rename (and goes with the tenant) or, when the
 * rename took its temp file, is tried again (up to 4 times, see `writeEntryFile`) and
 * makes the tenant afresh.
 */
export async function deleteTenant(
  context: StoreContext,
  tenantId: bigint,
  options: TenantDeletionOptions = {},
): Promise<number> {
  context.lock.ensureWritable();
  checkId(tenantId, "tenant id");
  const durable = context.options.durability === "fsync";
  const wal = context.wal;
  const logged = wal !== null && (durable || wal.active);
  // Logged, the rename must be durable before its record can be: a replay drops the
  // tenant's earlier records, and only the rename takes their files away.
  const aside = context.dirs.moveAside(tenantId, durable || logged);
  // Its puts not yet in place go with it, in the same step as the rename.
  wal?.cutTenant(tenantId);
  if (wal !== null && logged) {
    // After the rename: a replay must not put back the tenant's entries logged before it.
    const record = walRecord("tenant", tenantId, 0n);
    await wal.append(record, `${tenantId}/`, null, context.root, durable, () => undefined);
  }
  return removeAside(context.ops, aside, options.onProgress, () => new Promise((resolve) => setImmediate(resolve)));
}

/**
 * Finishes tenant deletions a crash cut short: removes every `<root>/.deleting-*`
 * directory. A writer runs it when it opens. Returns how many it removed.
 */
export function finishTenantDeletions(root: string, ops: FileOps): number {
  let finished = 0;
  for (const dirent of readDirectory(root, "quiet") ?? []) {
    if (!dirent.isDirectory() || !dirent.name.startsWith(DELETING_PREFIX)) continue;
    try {
      ops.rmSync(`${root}/${dirent.name}`, true);
      finished++;
    } catch (error) {
      if (errnoOf(error) !== "ENOENT") throw ioError("rm", `${root}/${dirent.name}`, error);
    }
  }
  return finished;
}
