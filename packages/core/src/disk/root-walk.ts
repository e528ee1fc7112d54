import { type Dirent, readdirSync } from "node:fs";
import { errnoOf, ioError } from "../contract/store-error.ts";
import { compareDecimal, ENTRY_EXTENSION, entryIdText, isCanonicalDecimal, tenantDirPath } from "./layout.ts";

/**
 * How a walk treats a directory it cannot list. `"strict"`: a missing directory is
 * empty, any other failure (EACCES, EMFILE, EIO, ...) is an `io` error, since a walk
 * that reports on the store must not call an unreadable directory empty. `"quiet"`:
 * any failure is empty, for best-effort background passes that a later pass repeats
 * (the temp sweep, the index scans).
 */
export type WalkMode = "strict" | "quiet";

/** One entry file found by a walk. */
export interface EntryFileRef {
  readonly tenantId: bigint;
  readonly entryId: bigint;
  /** `<tenant>/<id>.rfx`, relative to the root. */
  readonly relativePath: string;
}

/** The entries of a directory; null when it does not exist (strict) or cannot be listed (quiet). */
export function readDirectory(path: string, mode: WalkMode = "strict"): Dirent[] | null {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (error) {
    const errno = errnoOf(error);
    if (mode === "quiet" || errno === "ENOENT" || errno === "ENOTDIR") return null;
    throw ioError("readdir", path, error);
  }
}

/** Names of the tenant directories under `root` (canonical decimals), ascending. */
export function tenantNames(root: string, mode: WalkMode = "strict"): string[] {
  const names: string[] = [];
  for (const dirent of readDirectory(root, mode) ?? []) {
    if (dirent.isDirectory() && isCanonicalDecimal(dirent.name)) names.push(dirent.name);
  }
  return names.sort(compareDecimal);
}

/** Decimal ids of the entry files (regular files named `<id>.rfx`) in a tenant directory, in directory order. */
export function entryIdTexts(tenantDirectory: string, mode: WalkMode = "strict"): string[] {
  const ids: string[] = [];
  for (const dirent of readDirectory(tenantDirectory, mode) ?? []) {
    const id = dirent.isFile() ? entryIdText(dirent.name) : undefined;
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

/** Every entry file under `root`, or of one tenant: tenants ascending, files in directory order. */
export function entryFiles(root: string, options: { tenantId?: bigint; mode?: WalkMode } = {}): EntryFileRef[] {
  const mode = options.mode ?? "strict";
  const tenants = options.tenantId === undefined ? tenantNames(root, mode) : [options.tenantId.toString()];
  const files: EntryFileRef[] = [];
  for (const tenant of tenants) {
    const tenantId = BigInt(tenant);
    for (const id of entryIdTexts(tenantDirPath(root, tenantId), mode)) {
      files.push({ tenantId, entryId: BigInt(id), relativePath: `${tenant}/${id}${ENTRY_EXTENSION}` });
    }
  }
  return files;
}
