import { syncDirectoryNow } from "../disk/remove-entry-file.ts";
import type { StoreContext } from "../store/store-context.ts";
import { listTenants } from "./list.ts";

/**
 * Removes the empty tenant directories (rmdir itself refuses the rest) and, with fsync
 * durability, fsyncs the root once if any went. A tenant whose writes of the log are not
 * yet in place (or still wait for their commit, committed first, or for room in the log) is
 * not empty, though its directory is: it stays. Returns how many were removed.
 */
export function cleanupEmptyTenantDirs(context: StoreContext): number {
  context.lock.ensureWritable();
  context.wal?.commitWaiting(); // puts waiting for their commit are not yet among the unplaced
  const unplaced = new Set<bigint>();
  for (const item of context.wal?.unplaced.values() ?? []) unplaced.add(item.tenantId);
  let removed = 0;
  for (const tenantId of listTenants(context.root)) {
    if (unplaced.has(tenantId) || context.wal?.room.waits(tenantId)) continue;
    if (context.dirs.removeIfEmpty(tenantId)) removed++;
  }
  if (removed > 0 && context.options.durability !== "atomic") syncDirectoryNow(context.syncer, context.root);
  return removed;
}
