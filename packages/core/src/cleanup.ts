import { syncDirectoryNow } from "./entry-files.ts";
import { listTenants } from "./listing.ts";
import type { StoreContext } from "./store-context.ts";

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
