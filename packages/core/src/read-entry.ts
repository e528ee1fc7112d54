import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { type DecodedEnvelope, decodeEnvelope } from "@reflex/codec";
import { LoadedFile, type MappingBudget } from "./loaded-file.ts";
import { errnoOf, ioError, rethrowCodecError, StoreError } from "./store-error.ts";

/** How {@link readEntryFile} reads. */
export interface ReadOptions {
  /** Files of at least this many bytes are mapped (when the budget has room) instead of read. */
  readonly mmapThresholdBytes: number;
  /** The store's mapping budget. */
  readonly budget: MappingBudget;
}

// One read into a reused scratch buffer, then a copy of exactly the bytes read,
// beats fstat + exact allocation + read (the fstat costs more than a 4 KiB copy).
// A read that fills the scratch means the file may be larger: then fstat.
const SCRATCH_BYTES = 64 * 1024;
const scratch = new Uint8Array(SCRATCH_BYTES);

/** Reads the rest of a file whose first `first` bytes are already in `scratch`. */
function readRest(fd: number, path: string, first: number): Uint8Array {
  const size = fstatSync(fd).size;
  const bytes = new Uint8Array(size);
  bytes.set(scratch, 0);
  let offset = first;
  while (offset < size) {
    const read = readSync(fd, bytes, offset, size - offset, offset);
    if (read === 0) return bytes.subarray(0, offset);
    offset += read;
  }
  if (offset !== size) throw new StoreError("io", `${path} changed size while being read`);
  return bytes;
}

function sizeOf(fd: number): number {
  return fstatSync(fd).size;
}

function tryMap(path: string): Uint8Array | null {
  try {
    // Private (copy-on-write) so a stray write into a view can never reach the file.
    return Bun.mmap(path, { shared: false });
  } catch {
    // EACCES/EROFS (Bun.mmap opens read-write), EINVAL (empty file), ...: read instead.
    return null;
  }
}

function decodeOrThrow(bytes: Uint8Array, path: string): DecodedEnvelope {
  try {
    return decodeEnvelope(bytes);
  } catch (error) {
    rethrowCodecError(error, path);
  }
}

/**
 * Reads and verifies the entry file at `path`, expected to hold `entryId` of
 * `tenantId`. Missing is `not_found`; damaged, or holding another tenant's or
 * another id's entry, is `corrupt`; never returns unverified bytes.
 */
export function readEntryFile(path: string, tenantId: bigint, entryId: bigint, options: ReadOptions): LoadedFile {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY);
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === "ENOENT" || errno === "ENOTDIR") {
      throw new StoreError("not_found", `entry ${entryId} of tenant ${tenantId} not found`, { errno });
    }
    throw ioError("open", path, error);
  }
  let bytes: Uint8Array | null = null;
  let mapped = false;
  let first = 0;
  try {
    first = readSync(fd, scratch, 0, SCRATCH_BYTES, 0);
    if (first < SCRATCH_BYTES) {
      bytes = scratch.slice(0, first);
    } else if (options.budget.hasRoom() && sizeOf(fd) >= options.mmapThresholdBytes) {
      bytes = tryMap(path);
      mapped = bytes !== null;
    }
    bytes ??= readRest(fd, path, first);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw ioError("read", path, error);
  } finally {
    closeSync(fd);
  }
  let decoded: DecodedEnvelope;
  try {
    decoded = decodeOrThrow(bytes, path);
    if (decoded.entry.tenantId !== tenantId) {
      throw new StoreError(
        "corrupt",
        `${path} holds an entry of tenant ${decoded.entry.tenantId}, not ${tenantId}; refused`,
        { reason: "tenant_mismatch" },
      );
    }
    if (decoded.entryId !== entryId) {
      throw new StoreError("corrupt", `${path} holds entry ${decoded.entryId}, not ${entryId}; refused`, {
        reason: "id_mismatch",
      });
    }
  } catch (error) {
    if (mapped) (bytes.buffer as ArrayBuffer).transfer(0);
    throw error;
  }
  return new LoadedFile(tenantId, entryId, bytes, decoded.entry, mapped ? options.budget : null, decoded.expiresAt);
}
