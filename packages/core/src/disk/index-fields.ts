import { closeSync, fstatSync, readSync } from "node:fs";
import { decodeEnvelope, peekEntryPrefix } from "@reflex/codec";
import type { LookupFields, LookupSource } from "../lookup/lookup-index.ts";
import type { UnplacedWrites } from "../wal/unplaced.ts";
import { ENTRY_EXTENSION, entryKey, tenantDirPath } from "./layout.ts";
import { openEntryFile } from "./open-entry-file.ts";
import { entryIdTexts, tenantNames } from "./root-walk.ts";

/**
 * Files up to this size are read whole and verified by the build, as a load would; of a
 * larger one only the first bytes are read, up to the end of its embedding (the payload
 * comes after it), so a root of large payloads is not read whole at every open.
 */
export const VERIFIED_READ_BYTES = 64 * 1024;
const scratch = new Uint8Array(VERIFIED_READ_BYTES);

/**
 * Reads what the index needs of one entry file; undefined when a load would refuse it
 * (gone, unreadable, corrupt, misplaced). A file of at most {@link VERIFIED_READ_BYTES}
 * is verified whole; of a larger one, the header and the fields before the payload are
 * read without the checksum (a load of it still verifies). The result's bytes are views
 * of a scratch buffer: use them before the next read.
 */
export function readLookupFields(tenantId: bigint, entryId: bigint, path: string): LookupFields | undefined {
  const fd = openEntryFile(path, "quiet");
  if (fd === undefined) return undefined;
  try {
    const size = fstatSync(fd).size;
    if (size <= VERIFIED_READ_BYTES) {
      const bytes = scratch.subarray(0, readSync(fd, scratch, 0, size, 0));
      const decoded = decodeEnvelope(bytes);
      if (decoded.entry.tenantId !== tenantId || decoded.entryId !== entryId) return undefined;
      return { entry: decoded.entry, expiresAt: decoded.expiresAt };
    }
    let prefix = scratch.subarray(0, readSync(fd, scratch, 0, VERIFIED_READ_BYTES, 0));
    let peeked = peekEntryPrefix(prefix);
    if (peeked !== undefined && "needBytes" in peeked) {
      const more = new Uint8Array(peeked.needBytes);
      prefix = more.subarray(0, readSync(fd, more, 0, more.byteLength, 0));
      peeked = peekEntryPrefix(prefix);
    }
    if (peeked === undefined || "needBytes" in peeked) return readWhole(fd, size, tenantId, entryId);
    if (peeked.tenantId !== tenantId || peeked.entryId !== entryId || peeked.fileBytes !== size) return undefined;
    const { contextHash, timestamp, embedding } = peeked;
    return {
      entry: { tenantId, contextHash, timestamp, embedding, payloadBlob: new Uint8Array(0) },
      expiresAt: peeked.expiresAt,
    };
  } catch {
    return undefined; // unreadable or corrupt: a load would not return it either
  } finally {
    closeSync(fd);
  }
}

function readWhole(fd: number, size: number, tenantId: bigint, entryId: bigint): LookupFields | undefined {
  const bytes = new Uint8Array(size);
  let offset = 0;
  while (offset < size) {
    const read = readSync(fd, bytes, offset, size - offset, offset);
    if (read === 0) return undefined;
    offset += read;
  }
  const decoded = decodeEnvelope(bytes);
  if (decoded.entry.tenantId !== tenantId || decoded.entryId !== entryId) return undefined;
  return { entry: decoded.entry, expiresAt: decoded.expiresAt };
}

/** The fields of a write of the log not yet in place (its envelope, verified as a load would). */
function unplacedFields(bytes: Uint8Array): LookupFields | undefined {
  try {
    const decoded = decodeEnvelope(bytes);
    return { entry: decoded.entry, expiresAt: decoded.expiresAt };
  } catch {
    return undefined;
  }
}

/**
 * The entry files under `root` as the lookup index's source: its build walks them (quietly:
 * an unreadable directory is skipped, as a later build repeats it) and it takes back
 * entries it left out at its bound from them. The root's writes of the log not yet in
 * place (`unplaced`) are entries too, and read first: a left-out entry whose file is not
 * yet there is not gone.
 */
export function fileLookupSource(root: string, unplaced: UnplacedWrites | null = null): LookupSource {
  const unplacedIds = (tenantId: bigint): bigint[] =>
    unplaced === null || unplaced.size === 0 ? [] : [...unplaced.ofTenant(tenantId)].map((item) => item.entryId);
  return {
    tenants: () => {
      const names = tenantNames(root, "quiet").map((name) => BigInt(name));
      if (unplaced === null || unplaced.size === 0) return names;
      return [...new Set([...names, ...[...unplaced.values()].map((item) => item.tenantId)])];
    },
    entryIds: (tenantId) => {
      const ids = entryIdTexts(tenantDirPath(root, tenantId), "quiet").map((id) => BigInt(id));
      const more = unplacedIds(tenantId);
      return more.length === 0 ? ids : [...new Set([...ids, ...more])];
    },
    read: (tenantId, entryId) => {
      const item = unplaced?.get(entryKey(tenantId, entryId));
      if (item !== undefined) return unplacedFields(item.bytes);
      return readLookupFields(tenantId, entryId, `${tenantDirPath(root, tenantId)}/${entryId}${ENTRY_EXTENSION}`);
    },
  };
}
