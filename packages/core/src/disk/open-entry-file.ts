import { constants, openSync } from "node:fs";
import { errnoOf, ioError } from "../contract/store-error.ts";
import type { WalkMode } from "./root-walk.ts";

/**
 * Opens an entry file for reading: the one open of every reader of entry files (load,
 * verify, the expiry peek, the retention scan, the lookup build), so they share one policy.
 * Undefined when the file is absent (ENOENT, ENOTDIR: deleted meanwhile). Any other failure
 * (EMFILE, EACCES, EIO, ...) is an `io` error in `"strict"` mode, for callers that answer a
 * request (a file that could not be looked at is not absent), and undefined in `"quiet"`
 * mode, for background passes that a later pass repeats.
 */
export function openEntryFile(path: string, mode: WalkMode): number | undefined {
  try {
    return openSync(path, constants.O_RDONLY);
  } catch (error) {
    const errno = errnoOf(error);
    if (mode === "quiet" || errno === "ENOENT" || errno === "ENOTDIR") return undefined;
    throw ioError("open", path, error);
  }
}
