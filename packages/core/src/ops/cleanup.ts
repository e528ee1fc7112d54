import { syncDirectoryNow } from "../disk/remove-entry-file.ts";
import type { StoreContext } from "../store/store-context.ts";
import { listTenants } from "./list.ts";

/**
 * Removes the empty tenant directories (rmdir itself refuses the rest) and, with fsync
 * durability, fsyncs the root once if any went. Returns how many were removed.
 */
export function cleanupEmptyTenantDirs(context: StoreContext): number {
  context.lock.ensureWritable();
  let removed = 0;
  for (const tenantId of listTenants(context.root)) {
    if (context.dirs.removeIfEmpty(tenantId)) removed++;
  }
  if (removed > 0 && context.options.durability !== "atomic") syncDirectoryNow(context.syncer, context.root);
  return removed;
}
