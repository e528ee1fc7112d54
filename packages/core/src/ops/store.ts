import { type EntryFields, encodeEnvelope, readEnvelopeHeader } from "@reflex/codec";
import type { StoreOptions } from "../contract/entry-store.ts";
import { checkId } from "../contract/ids.ts";
import { rethrowCodecError, StoreError } from "../contract/store-error.ts";
import { entryFilePath, tenantDirPath } from "../disk/layout.ts";
import { type EntryWrite, writeEntryFile, writeEntryFileSync } from "../disk/write-entry.ts";
import { StoredEntryHandle } from "../handle/entry-handle.ts";
import { LoadedFile } from "../handle/loaded-file.ts";
import { checkEmbeddingLength } from "../lookup/f16.ts";
import type { StoreContext } from "../store/store-context.ts";
import type { ResolvedStoreOptions } from "../store/store-options.ts";

/**
 * Refuses an entry file larger than the bound that applies to it (`maxEntryBytes`,
 * `tenantMaxBytes`, `maxBytes`: the smallest), before anything is written or evicted:
 * evicting every other entry could not make room for it, and the store would stay over
 * its bound. `too_large`.
 */
function checkEntryBound(options: ResolvedStoreOptions, tenantId: bigint, id: bigint, fileBytes: number): void {
  const { maxEntryBytes } = options;
  const { tenantMaxBytes, maxBytes } = options.retention;
  const limit = Math.min(maxEntryBytes, tenantMaxBytes, maxBytes);
  if (fileBytes <= limit) return;
  const name = limit === maxEntryBytes ? "maxEntryBytes" : limit === tenantMaxBytes ? "tenantMaxBytes" : "maxBytes";
  throw new StoreError(
    "too_large",
    `entry ${id} of tenant ${tenantId} is ${fileBytes} bytes on disk, over the store's ${name} of ${limit}`,
  );
}

/** Checks the arguments, encodes the envelope and makes sure the tenant directory exists (also for touch). */
export function prepareWrite(
  context: StoreContext,
  id: bigint,
  entry: EntryFields,
  options?: StoreOptions,
): EntryWrite {
  context.lock.ensureWritable();
  checkId(id, "entry id");
  const tenantId = checkId(entry?.tenantId, "tenant_id");
  if (entry.embedding instanceof Uint8Array) checkEmbeddingLength(entry.embedding);
  const expiresAt = context.expiry.expiresAtFor(options?.ttlSeconds);
  let bytes: Uint8Array;
  try {
    bytes = encodeEnvelope(id, entry, expiresAt);
  } catch (error) {
    rethrowCodecError(error);
  }
  checkEntryBound(context.options, tenantId, id, bytes.byteLength);
  // Anything but atomic-only is fsync on files ("replicated" is a networked backend's word for it).
  const durable = (options?.durability ?? context.options.durability) !== "atomic";
  if (!context.dirs.isKnown(tenantId, durable)) context.dirs.create(tenantId, durable);
  return {
    tenantId,
    entryId: id,
    entry,
    directory: tenantDirPath(context.root, tenantId),
    finalPath: entryFilePath(context.root, tenantId, id),
    bytes,
    durable,
    expiresAt,
  };
}

/**
 * A handle of the bytes just written. Their body is decoded only if a field is read
 * (the server drops the handle at once), and never checksummed again: this process
 * just encoded them.
 */
function storedHandle(write: EntryWrite, created: boolean): StoredEntryHandle {
  const headerBytes = readEnvelopeHeader(write.bytes).headerBytes;
  const file = LoadedFile.encoded(write.tenantId, write.entryId, write.bytes, headerBytes, write.expiresAt);
  return new StoredEntryHandle(file, created);
}

/** Writes an entry and resolves once it is in place (and durable, unless the write is atomic-only). */
export async function storeEntry(
  context: StoreContext,
  id: bigint,
  entry: EntryFields,
  options?: StoreOptions,
): Promise<StoredEntryHandle> {
  const write = prepareWrite(context, id, entry, options);
  return storedHandle(write, await writeEntryFile(context, write));
}

/** {@link storeEntry} on this thread: blocks for the fsyncs. */
export function storeEntrySync(
  context: StoreContext,
  id: bigint,
  entry: EntryFields,
  options?: StoreOptions,
): StoredEntryHandle {
  const write = prepareWrite(context, id, entry, options);
  return storedHandle(write, writeEntryFileSync(context, write));
}
