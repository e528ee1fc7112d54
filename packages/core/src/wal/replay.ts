import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { errnoOf, ioError, StoreError } from "../contract/store-error.ts";
import type { FileOps } from "../disk/file-ops.ts";
import {
  entryFilePath,
  entryKey,
  isCanonicalDecimal,
  tenantDirPath,
  WAL_DIR,
  WAL_SEGMENT_EXTENSION,
} from "../disk/layout.ts";
import { readDirectory } from "../disk/root-walk.ts";
import { type Changed, makeDurableSync, noChanges } from "./make-durable.ts";
import { readRecords, segmentVersion, WAL_FORMAT_VERSION, type WalRecord } from "./wal-format.ts";

/** What a replay did. */
export interface ReplayResult {
  /** Segments read (and removed). */
  readonly segments: number;
  /** Whole records read. */
  readonly records: number;
  /** Entry files written again (their file did not hold the record's envelope) or removed. */
  readonly repaired: number;
}

/** How the replay puts one entry file in place (the store's write protocol, without fsyncs). */
export type PutFile = (tenantId: bigint, entryId: bigint, envelope: Uint8Array) => void;
/** How the replay removes one entry file (ENOENT is no error). */
export type RemoveFile = (tenantId: bigint, entryId: bigint) => void;
/**
 * Takes the segments a replay read over, once every entry file matches them (not yet
 * durably): a store that keeps a log checkpoints them in the background instead of the
 * replay making everything durable before the store answers. `keys` are the entries they hold records of.
 */
export type KeepSegments = (paths: readonly string[], changed: Changed, keys: Iterable<string>) => void;

/** The segment files of a log directory, in replay order. */
function segmentPaths(dir: string): string[] {
  const numbers: number[] = [];
  for (const dirent of readDirectory(dir, "strict") ?? []) {
    const stem = dirent.name.slice(0, -WAL_SEGMENT_EXTENSION.length);
    if (dirent.name.endsWith(WAL_SEGMENT_EXTENSION) && isCanonicalDecimal(stem)) numbers.push(Number(stem));
  }
  return numbers.sort((a, b) => a - b).map((number) => `${dir}/${number}${WAL_SEGMENT_EXTENSION}`);
}

let scratch = new Uint8Array(64 * 1024);

/** True when the file at `path` holds exactly `envelope` (a size check first, then one read into a reused buffer). */
function sameFile(path: string, envelope: Uint8Array): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return false;
  }
  try {
    if (fstatSync(fd).size !== envelope.byteLength) return false;
    if (scratch.byteLength < envelope.byteLength) scratch = new Uint8Array(envelope.byteLength);
    const bytes = scratch.subarray(0, envelope.byteLength);
    let read = 0;
    while (read < bytes.byteLength) {
      const got = readSync(fd, bytes, read, bytes.byteLength - read, read);
      if (got <= 0) return false;
      read += got;
    }
    return Buffer.compare(bytes, envelope) === 0;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/**
 * Replays the root's log, if it has one, before the store answers anything: folds every
 * whole record of every segment, in order, into the last word on each entry (a tenant
 * deletion drops its tenant's earlier records), puts back each entry file that does not
 * hold its record's envelope and removes each deleted one, makes all of it durable, then
 * removes the segments and the log's directory; with `keep`, hands the segments to it
 * instead of the last two steps. A root without a log is left as it is.
 * `unsupported` for a segment of another format version.
 */
export function replayLog(
  root: string,
  ops: FileOps,
  put: PutFile,
  remove: RemoveFile,
  keep: KeepSegments | null = null,
): ReplayResult {
  const dir = `${root}/${WAL_DIR}`;
  if (ops.statSync(dir)?.isDirectory() !== true) return { segments: 0, records: 0, repaired: 0 };
  const paths = segmentPaths(dir);
  const last = new Map<string, WalRecord>();
  let records = 0;
  for (const path of paths) {
    const bytes = readFileSync(path);
    const version = segmentVersion(bytes);
    if (version === undefined) continue; // torn before its header was durable: held no acknowledged record
    if (version !== WAL_FORMAT_VERSION) {
      throw new StoreError(
        "unsupported",
        `write-ahead log ${path} has format version ${version}; this store reads ${WAL_FORMAT_VERSION}`,
      );
    }
    for (const record of readRecords(bytes).records) {
      records++;
      if (record.kind === "tenant") {
        const prefix = `${record.tenantId}/`;
        for (const key of last.keys()) if (key.startsWith(prefix)) last.delete(key);
      } else {
        const key = entryKey(record.tenantId, record.entryId);
        last.delete(key); // keep the map in log order of each key's last record
        last.set(key, record);
      }
    }
  }
  const changed: Changed = noChanges();
  changed.dirs.add(root);
  let repaired = 0;
  for (const record of last.values()) {
    const path = entryFilePath(root, record.tenantId, record.entryId);
    changed.dirs.add(tenantDirPath(root, record.tenantId));
    if (record.kind === "put") {
      changed.files.add(path);
      if (sameFile(path, record.envelope)) continue;
      put(record.tenantId, record.entryId, record.envelope);
    } else {
      if (ops.statSync(path) === undefined) continue;
      remove(record.tenantId, record.entryId);
    }
    repaired++;
  }
  if (keep !== null && paths.length > 0) {
    keep(paths, changed, last.keys());
    return { segments: paths.length, records, repaired };
  }
  makeDurableSync(ops, root, changed);
  for (const path of paths) removeSegment(ops, path);
  try {
    ops.rmdirSync(dir);
  } catch (error) {
    if (errnoOf(error) !== "ENOENT" && errnoOf(error) !== "ENOTEMPTY") throw ioError("rmdir", dir, error);
  }
  return { segments: paths.length, records, repaired };
}

function removeSegment(ops: FileOps, path: string): void {
  try {
    ops.unlinkSync(path);
  } catch (error) {
    if (errnoOf(error) !== "ENOENT") throw ioError("unlink", path, error);
  }
}
