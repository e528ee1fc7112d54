import { type Dirent, readdirSync } from "node:fs";
import { errnoOf, ioError } from "./store-error.ts";

/**
 * The entries of a directory, or null when it does not exist (no root yet, a tenant
 * directory removed meanwhile). Any other failure (EACCES, EMFILE, EIO, ...) is an
 * `io` error: a walk that could not list a directory must not report it empty.
 */
export function readDirectory(path: string): Dirent[] | null {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === "ENOENT" || errno === "ENOTDIR") return null;
    throw ioError("readdir", path, error);
  }
}

/**
 * The entries of a directory, none when it cannot be listed for any reason. Only for
 * best-effort background work (the temp sweep, the retention scan) that a later pass
 * repeats; a walk that reports on the store uses {@link readDirectory}.
 */
export function readDirectoryQuietly(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch {
    return [];
  }
}
