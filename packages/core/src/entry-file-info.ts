import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { MAX_ENVELOPE_HEADER_BYTES, peekExpiresAt } from "@reflex/codec";

/** What the retention index keeps of one entry file. */
export interface EntryFileInfo {
  /** File size in bytes. */
  readonly bytes: number;
  /** Unix seconds after which it is gone; 0 never (also for a file whose header does not parse: load will refuse it). */
  readonly expiresAt: bigint;
  /** Last access in ms: the later of the file's atime and mtime. */
  readonly lastAccessMs: number;
}

const headerScratch = new Uint8Array(MAX_ENVELOPE_HEADER_BYTES);

function openRegular(path: string): number | undefined {
  try {
    return openSync(path, constants.O_RDONLY);
  } catch {
    return undefined; // missing (deleted meanwhile), or not ours to read: nothing to index
  }
}

/**
 * Reads an entry file's header and stat: one open, one 40-byte read, one fstat.
 * Undefined when the file is gone or is not a regular file.
 */
export function readEntryFileInfo(path: string): EntryFileInfo | undefined {
  const fd = openRegular(path);
  if (fd === undefined) return undefined;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return undefined;
    const read = readSync(fd, headerScratch, 0, headerScratch.byteLength, 0);
    return {
      bytes: stat.size,
      expiresAt: peekExpiresAt(headerScratch.subarray(0, read)) ?? 0n,
      lastAccessMs: Math.max(stat.atimeMs, stat.mtimeMs),
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
 * header does not parse.
 */
export function readEntryExpiry(path: string): bigint | undefined {
  const fd = openRegular(path);
  if (fd === undefined) return undefined;
  try {
    const read = readSync(fd, headerScratch, 0, headerScratch.byteLength, 0);
    return peekExpiresAt(headerScratch.subarray(0, read)) ?? 0n;
  } catch {
    return undefined; // EISDIR: a directory named like an entry is not one
  } finally {
    closeSync(fd);
  }
}
