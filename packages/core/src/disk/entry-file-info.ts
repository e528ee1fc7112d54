import { closeSync, fstatSync, readSync } from "node:fs";
import { MAX_ENVELOPE_HEADER_BYTES, peekExpiresAt } from "@reflex/codec";
import { errnoOf, ioError } from "../contract/store-error.ts";
import { openEntryFile } from "./open-entry-file.ts";

/** What the retention index keeps of one entry file. */
export interface EntryFileInfo {
  /** File size in bytes. */
  readonly bytes: number;
  /** Unix seconds after which it is gone; 0 never (also for a file whose header does not parse: load will refuse it). */
  readonly expiresAt: bigint;
  /**
   * Last access in ms: the file's mtime, which the store sets at write and when it
   * writes recency back. Not atime: the kernel bumps that on any read (relatime),
   * including the store's own header reads.
   */
  readonly lastAccessMs: number;
}

const headerScratch = new Uint8Array(MAX_ENVELOPE_HEADER_BYTES);

/**
 * Reads an entry file's header and stat: one open, one 40-byte read, one fstat.
 * Undefined when the file is gone or is not a regular file.
 */
export function readEntryFileInfo(path: string): EntryFileInfo | undefined {
  const fd = openEntryFile(path, "quiet"); // missing, or not ours to read: nothing to index
  if (fd === undefined) return undefined;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return undefined;
    const read = readSync(fd, headerScratch, 0, headerScratch.byteLength, 0);
    return {
      bytes: stat.size,
      expiresAt: peekExpiresAt(headerScratch.subarray(0, read)) ?? 0n,
      lastAccessMs: stat.mtimeMs,
    };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The expiry of an entry file from its header (one open and a 40-byte read):
 * undefined when there is no such regular file, 0 when it never expires or its
 * header does not parse. Any other failure (EMFILE, EACCES, EIO, ...) is an `io`
 * error: a file that could not be looked at is not absent.
 */
export function readEntryExpiry(path: string): bigint | undefined {
  const fd = openEntryFile(path, "strict");
  if (fd === undefined) return undefined;
  try {
    const read = readSync(fd, headerScratch, 0, headerScratch.byteLength, 0);
    return peekExpiresAt(headerScratch.subarray(0, read)) ?? 0n;
  } catch (error) {
    if (errnoOf(error) === "EISDIR") return undefined; // a directory named like an entry is not one
    throw ioError("read", path, error);
  } finally {
    closeSync(fd);
  }
}
