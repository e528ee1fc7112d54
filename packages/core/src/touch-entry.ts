import { encodeEnvelope } from "@reflex/codec";
import { checkId } from "./ids.ts";
import { entryFilePath, tenantDirPath } from "./layout.ts";
import { loadEntry } from "./load-entry.ts";
import type { StoreContext } from "./store-context.ts";
import { checkEntryBound } from "./store-entry.ts";
import { rethrowCodecError } from "./store-error.ts";
import { writeEntryFileSync } from "./write-entry.ts";

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
 * keeps other processes out. `not_found` for a missing or already expired entry.
 */
export function touchEntry(context: StoreContext, id: bigint, tenantId: bigint, ttlSeconds: number): bigint {
  context.lock.ensureWritable();
  checkId(id, "entry id");
  checkId(tenantId, "tenant id");
  const expiresAt = context.expiry.expiresAtFor(ttlSeconds);
  const handle = loadEntry(context, id, tenantId);
  try {
    const entry = handle.toEntry();
    let bytes: Uint8Array;
    try {
      bytes = encodeEnvelope(id, entry, expiresAt);
    } catch (error) {
      rethrowCodecError(error);
    }
    checkEntryBound(context.options, tenantId, id, bytes.byteLength);
    writeEntryFileSync(context, {
      tenantId,
      entryId: id,
      entry,
      directory: tenantDirPath(context.root, tenantId),
      finalPath: entryFilePath(context.root, tenantId, id),
      bytes,
      durable: context.options.durability === "fsync",
      expiresAt,
    });
  } finally {
    handle.release();
  }
  return expiresAt;
}
