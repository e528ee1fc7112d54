import { closeSync, fstatSync, readSync } from "node:fs";
import { type DecodedEnvelope, decodeEnvelope, uninitializedBytes } from "@reflex/codec";
import { errnoOf, ioError, rethrowCodecError, StoreError } from "../contract/store-error.ts";
import { LoadedFile, type MappingBudget } from "../handle/loaded-file.ts";
import { openEntryFile } from "./open-entry-file.ts";

/** How {@link readEntryFile} reads. */
export interface ReadOptions {
  /** Files of at least this many bytes are mapped (when the budget has room) instead of read. */
  readonly mmapThresholdBytes: number;
  /** The store's mapping budget. */
  readonly budget: MappingBudget;
}

// Small files are read straight into a slab: a 128 KiB buffer that consecutive loads
// carve up (a bump pointer), so a load of a small file is one open, one read, one
// close, no allocation and no copy; its views point into the slab. A slab is freed by
// the GC once no view of it is left: a long-lived handle of a small entry can keep up to
// one slab alive (documented in the README). A read that fills the free part of the slab
// may have been cut short: then the file goes the large-file way (fstat, then mmap or an
// exact buffer that takes the bytes read so far). Reading it again into a fresh slab cost
// a 64 KiB load ~8 us more (a second read, and half a slab of fresh memory per load).
const SLAB_BYTES = 128 * 1024;
/** A fresh slab when less than this is left: files up to this size always fit at once. */
const SLAB_MIN_FREE = 16 * 1024;
// A slab's memory is not zeroed: views only ever cover bytes read from a file, and the
// rest of the slab is this process's own memory, which `view.buffer` could already reach
// as other entries.
let slab: Uint8Array = uninitializedBytes(SLAB_BYTES);
let slabUsed = 0;

function freshSlab(): void {
  slab = uninitializedBytes(SLAB_BYTES);
  slabUsed = 0;
}

/**
 * Reads a whole small file into the slab. `bytes` is null when the file fills the free
 * part of the slab, or is at least `mapAtBytes` long (then `head` holds what was read,
 * in a part of the slab the next load reuses).
 */
function readSmall(fd: number, mapAtBytes: number): { bytes: Uint8Array | null; head: Uint8Array } {
  if (SLAB_BYTES - slabUsed < SLAB_MIN_FREE) freshSlab();
  const free = SLAB_BYTES - slabUsed;
  const read = readSync(fd, slab, slabUsed, free, 0);
  const head = slab.subarray(slabUsed, slabUsed + read);
  if (read === free || read >= mapAtBytes) return { bytes: null, head };
  slabUsed += (read + 7) & ~7; // keep the next file 8-byte aligned
  return { bytes: head, head };
}

/** Reads the rest of a file whose first bytes, `head`, were read already. */
function readRest(fd: number, path: string, head: Uint8Array): Uint8Array {
  const size = fstatSync(fd).size;
  if (size < head.byteLength) throw new StoreError("io", `${path} changed size while being read`);
  const bytes = uninitializedBytes(size); // the head and the reads below write all of it (a short read returns less)
  bytes.set(head, 0);
  let offset = head.byteLength;
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
  const fd = openEntryFile(path, "strict");
  if (fd === undefined) throw new StoreError("not_found", `entry ${entryId} of tenant ${tenantId} not found`);
  let bytes: Uint8Array | null = null;
  let mapped = false;
  try {
    const small = readSmall(fd, options.mmapThresholdBytes);
    bytes = small.bytes;
    if (bytes === null && options.budget.hasRoom() && sizeOf(fd) >= options.mmapThresholdBytes) {
      bytes = tryMap(path);
      mapped = bytes !== null;
    }
    bytes ??= readRest(fd, path, small.head);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    if (errnoOf(error) === "EISDIR") {
      // A directory named like an entry is junk, as listings and `exists` treat it: no entry.
      throw new StoreError("not_found", `entry ${entryId} of tenant ${tenantId} not found`, { errno: "EISDIR" });
    }
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
