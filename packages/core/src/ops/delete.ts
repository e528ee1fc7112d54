import { checkId } from "../contract/ids.ts";
import { errnoOf, ioError, StoreError } from "../contract/store-error.ts";
import { entryFilePath, tenantDirPath } from "../disk/layout.ts";
import { removeEntryFile, syncDirectory, syncDirectoryNow } from "../disk/remove-entry-file.ts";
import type { StoreContext } from "../store/store-context.ts";

/** Unlinks the entry's file; `not_found` when there is none. Returns the tenant directory to fsync. */
function unlink(context: StoreContext, id: bigint, tenantId: bigint): string {
  context.lock.ensureWritable();
  checkId(id, "entry id");
  checkId(tenantId, "tenant id");
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

/** Deletes an entry; with fsync durability, resolves once the removal is durable. */
export async function deleteEntry(context: StoreContext, id: bigint, tenantId: bigint): Promise<void> {
  const directory = unlink(context, id, tenantId);
  if (context.options.durability !== "atomic") await syncDirectory(context.syncer, directory);
}

/** {@link deleteEntry} on this thread. */
export function deleteEntrySync(context: StoreContext, id: bigint, tenantId: bigint): void {
  const directory = unlink(context, id, tenantId);
  if (context.options.durability !== "atomic") syncDirectoryNow(context.syncer, directory);
}
