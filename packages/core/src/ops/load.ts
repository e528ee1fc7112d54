import { checkId } from "../contract/ids.ts";
import { StoreError } from "../contract/store-error.ts";
import { entryFilePathOfKey, entryKey } from "../disk/layout.ts";
import { readEntryFile } from "../disk/read-entry.ts";
import { EntryHandle } from "../handle/entry-handle.ts";
import { LoadedFile } from "../handle/loaded-file.ts";
import type { StoreContext } from "../store/store-context.ts";

/**
 * Loads and verifies an entry on this thread: from the handle cache when it holds the
 * file, else from the log's write not yet in place (see wal/unplaced.ts), else one read
 * (or mapping) of the file. An expired entry is a `not_found`
 * miss and is queued for removal; a hit is reported to the ledger as an access.
 */
export function loadEntry(context: StoreContext, id: bigint, tenantId: bigint): EntryHandle {
  checkId(id, "entry id");
  checkId(tenantId, "tenant id");
  const cache = context.cache;
  const cached = cache.limits.maxEntries > 0;
  const key = entryKey(tenantId, id);
  let file = cached ? cache.get(key) : undefined;
  if (file === undefined) {
    const unplaced = context.wal?.unplaced.get(key);
    file =
      unplaced === undefined
        ? readEntryFile(entryFilePathOfKey(context.root, key), tenantId, id, context.read)
        : LoadedFile.encoded(tenantId, id, unplaced.bytes, unplaced.headerBytes, unplaced.expiresAt);
    if (cached) cache.set(key, file);
  }
  if (file.expiresAt !== 0n && context.expiry.isExpired(file.expiresAt)) {
    cache.invalidate(key);
    context.reclaimer.queue(tenantId, id);
    throw new StoreError("not_found", `entry ${id} of tenant ${tenantId} expired`, { reason: "expired" });
  }
  context.ledger.accessed(tenantId, id);
  return new EntryHandle(file);
}
