import type { ListPage } from "../contract/entry-store.ts";
import { checkId } from "../contract/ids.ts";
import { pageLimit } from "../contract/page-limit.ts";
import { readEntryExpiry } from "../disk/entry-file-info.ts";
import { compareDecimal, ENTRY_EXTENSION, tenantDirPath } from "../disk/layout.ts";
import { entryIdTexts, tenantNames } from "../disk/root-walk.ts";
import type { StoreContext } from "../store/store-context.ts";
import type { Unplaced } from "../wal/unplaced.ts";

/** Tenant ids of the root (directories with canonical decimal names), ascending. */
export function listTenants(root: string): bigint[] {
  return tenantNames(root).map((name) => BigInt(name));
}

/** The tenant's writes of the log not yet in place, by decimal id. */
function unplacedOf(context: StoreContext, tenantId: bigint): Map<string, Unplaced> {
  const found = new Map<string, Unplaced>();
  const writes = context.wal?.unplaced;
  if (writes === undefined || writes.size === 0) return found;
  for (const item of writes.ofTenant(tenantId)) found.set(item.entryId.toString(), item);
  return found;
}

/**
 * Entry ids of a tenant after `page.after`, ascending, at most `page.limit`. A page
 * costs one directory read of the tenant (O(entries in the tenant)) and a sort of the
 * ids after `after`; only the page's ids become bigints. Once the root holds TTL
 * entries, each candidate's header is read and expired ones are skipped (and queued
 * for removal). Writes of the log not yet in place are listed too.
 */
export function listEntries(context: StoreContext, tenantId: bigint, page: ListPage = {}): bigint[] {
  checkId(tenantId, "tenant id");
  const limit = pageLimit(page);
  const after = page.after === undefined ? undefined : checkId(page.after, "after").toString();
  const directory = tenantDirPath(context.root, tenantId);
  const unplaced = unplacedOf(context, tenantId);
  const texts =
    unplaced.size === 0 ? entryIdTexts(directory) : [...new Set([...entryIdTexts(directory), ...unplaced.keys()])];
  const ids = texts.filter((id) => after === undefined || compareDecimal(id, after) > 0);
  ids.sort(compareDecimal);
  if (!context.expiry.checksNeeded()) {
    const end = Math.min(ids.length, limit);
    const plain: bigint[] = new Array(end);
    for (let i = 0; i < end; i++) plain[i] = BigInt(ids[i] as string);
    return plain;
  }
  const result: bigint[] = [];
  for (let i = 0; i < ids.length && result.length < limit; i++) {
    const text = ids[i] as string;
    const expiresAt = unplaced.get(text)?.expiresAt ?? readEntryExpiry(`${directory}/${text}${ENTRY_EXTENSION}`);
    if (expiresAt === undefined) continue; // deleted meanwhile
    const id = BigInt(text);
    if (context.expiry.isExpired(expiresAt)) {
      context.reclaimer.queue(tenantId, id);
      continue;
    }
    result.push(id);
  }
  return result;
}
