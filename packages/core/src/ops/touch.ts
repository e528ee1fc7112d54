import { checkId } from "../contract/ids.ts";
import { writeEntryFileSync } from "../disk/write-entry.ts";
import type { StoreContext } from "../store/store-context.ts";
import { loadEntry } from "./load.ts";
import { prepareWrite } from "./store.ts";

/**
 * Gives an entry a new expiry (`ttlSeconds` from now; 0: never) without the caller
 * sending its payload again; returns the new expiry (unix seconds, 0 never).
 *
 * The expiry lives in the file's header, but a file that may be mapped is never
 * rewritten in place: the entry is read and verified, and a new file with the same
 * fields and the new header is written and renamed over it by the write protocol
 * (crash-safe: the old file or the new one). The cost is a whole write of the entry
 * (its size in I/O, and the fsyncs with `fsync` durability), not a header poke.
 *
 * It runs synchronously from the read to the rename, so no write of this process
 * can land in between and be replaced by the older body; the root's writer lock
 * keeps other processes out. With a write-ahead log, the writes waiting for room are
 * logged and those waiting for their commit committed first, so the read sees the last one.
 * `not_found` for a missing or already expired entry.
 */
export function touchEntry(context: StoreContext, id: bigint, tenantId: bigint, ttlSeconds: number): bigint {
  context.lock.ensureWritable();
  checkId(id, "entry id");
  checkId(tenantId, "tenant id");
  context.expiry.expiresAtFor(ttlSeconds); // a bad TTL is refused before anything is read
  context.wal?.room.drainSync();
  context.wal?.commitWaiting();
  const handle = loadEntry(context, id, tenantId);
  try {
    const write = prepareWrite(context, id, handle.toEntry(), { ttlSeconds });
    writeEntryFileSync(context, write);
    return write.expiresAt;
  } finally {
    handle.release();
  }
}
