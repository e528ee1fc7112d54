import { statSync } from "node:fs";
import { checkId } from "../contract/ids.ts";
import { readEntryExpiry } from "../disk/entry-file-info.ts";
import { entryFilePath, entryKey } from "../disk/layout.ts";
import type { StoreContext } from "../store/store-context.ts";

/**
 * True when the entry exists and has not expired (a write of the log not yet in place counts). Only a regular file is an entry (a
 * directory under an entry's name is junk, as in listings). Once the root holds TTL
 * entries, one open and a 40-byte header read; before that, one stat.
 */
export function entryExists(context: StoreContext, id: bigint, tenantId: bigint): boolean {
  checkId(id, "entry id");
  checkId(tenantId, "tenant id");
  const path = entryFilePath(context.root, tenantId, id);
  const unplaced = context.wal?.unplaced.get(entryKey(tenantId, id));
  if (!context.expiry.checksNeeded() && unplaced === undefined) {
    try {
      return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
    } catch {
      return false;
    }
  }
  const expiresAt = unplaced?.expiresAt ?? readEntryExpiry(path);
  if (expiresAt === undefined) return false;
  if (context.expiry.isExpired(expiresAt)) {
    context.reclaimer.queue(tenantId, id);
    return false;
  }
  return true;
}
