import { constants } from "node:fs";
import { errnoOf, ioError, type StoreError } from "../contract/store-error.ts";
import { DIR_OPEN_FLAGS, type FileOps, TEMP_OPEN_FLAGS } from "../disk/file-ops.ts";
import { WAL_DIR, WAL_SEGMENT_EXTENSION } from "../disk/layout.ts";
import { type Changed, noChanges } from "./make-durable.ts";
import type { RecordBuffer } from "./record-buffer.ts";
import { encodeSegmentHeader, recordBytes, SEGMENT_HEADER_BYTES, type WalRecord } from "./wal-format.ts";

/** One segment file of the log, open for appends. */
export interface Segment {
  readonly number: number;
  readonly path: string;
  /** Its records are written here, and fdatasynced here by the commits off the event loop. */
  readonly fd: number;
  /**
   * Other open file descriptions of the file, for the fsyncs of commits on this thread
   * (`syncFd`) and of zeros written ahead (`aheadFd`). Linux reports a writeback error once
   * to each open file description: an fsync on a shared one could take the error that a
   * commit's fdatasync had to report, and that commit would acknowledge records the disk may
   * not hold. A read-only segment (adopted from a replay) uses `fd` for all three.
   */
  readonly syncFd: number;
  readonly aheadFd: number;
  /** Log sequence number (bytes over every segment) of this segment's byte 0. */
  readonly base: number;
  size: number;
  /** Bytes written (zeros past `size`) and made durable: records within need no metadata commit. */
  allocated: number;
  /** Bytes written, zeros past `allocated` included (written ahead, their fsync maybe under way). */
  written: number;
  /** True while an fsync of zeros written ahead runs on the thread pool (see {@link extendAhead}). */
  extending: boolean;
  /** The error of a failed fsync ahead, reported by the next {@link preallocate}. */
  failure: unknown;
  /** Entry files and directories its records changed, for the checkpoint to fsync. */
  readonly changed: Changed;
  /** Keys (`<tenant>/<id>`) it holds records of. */
  readonly keys: Set<string>;
}

/** fsyncs a directory on this thread. */
export function syncDirectory(ops: FileOps, dir: string): void {
  const fd = ops.openSync(dir, DIR_OPEN_FLAGS);
  try {
    ops.fsyncSync(fd);
  } finally {
    ops.closeSync(fd);
  }
}

/**
 * Creates segment `number` of the root's log (and the log's directory, durably, when it
 * is missing): O_EXCL, its header written and fsynced, the directory fsynced, so every
 * record later fsynced in it is found by a replay.
 */
export function createSegment(ops: FileOps, root: string, number: number, base: number): Segment {
  const dir = `${root}/${WAL_DIR}`;
  if (ops.statSync(dir) === undefined) {
    try {
      ops.mkdirSync(dir);
    } catch (error) {
      if (errnoOf(error) !== "EEXIST") throw ioError("mkdir", dir, error);
    }
    syncDirectory(ops, root);
  }
  const path = `${dir}/${number}${WAL_SEGMENT_EXTENSION}`;
  let fd: number;
  try {
    fd = ops.openSync(path, TEMP_OPEN_FLAGS, 0o644);
  } catch (error) {
    throw ioError("create", path, error);
  }
  try {
    const header = encodeSegmentHeader(number);
    if (ops.writeSync(fd, header, 0, header.byteLength, 0) !== header.byteLength) throw new Error("short write");
    ops.fsyncSync(fd);
    syncDirectory(ops, dir);
  } catch (error) {
    // A full disk, say: no segment (and no descriptor) is left behind.
    throw discardSegment(ops, path, [fd], ioError("create", path, error));
  }
  const changed = noChanges();
  changed.dirs.add(root); // tenant directories made meanwhile
  const [syncFd, aheadFd] = openDescriptions(ops, path, fd);
  return segmentOf(number, path, [fd, syncFd, aheadFd], base, SEGMENT_HEADER_BYTES, changed);
}

/** Two more open file descriptions of a new segment (see `Segment.syncFd`); on a failure none is left open and the segment is removed. */
function openDescriptions(ops: FileOps, path: string, fd: number): [number, number] {
  const opened: number[] = [];
  try {
    for (let i = 0; i < 2; i++) opened.push(ops.openSync(path, constants.O_RDONLY));
    return opened as [number, number];
  } catch (error) {
    throw discardSegment(ops, path, [fd, ...opened], ioError("open", path, error));
  }
}

/** Closes `fds` and removes a segment that holds no record yet; returns `error` (the one to report) for the caller to throw. */
function discardSegment(ops: FileOps, path: string, fds: readonly number[], error: StoreError): StoreError {
  for (const fd of fds) {
    try {
      ops.closeSync(fd);
    } catch {
      // Already failing: the first error is the one to report.
    }
  }
  try {
    ops.unlinkSync(path);
  } catch {
    // Swept by the next replay, which reads no record from it.
  }
  return error;
}

/** A segment's state when it is opened: `size` bytes written and allocated, nothing being extended, no keys yet. */
function segmentOf(
  number: number,
  path: string,
  [fd, syncFd, aheadFd]: readonly [number, number, number],
  base: number,
  size: number,
  changed: Changed,
): Segment {
  return {
    number,
    path,
    fd,
    syncFd,
    aheadFd,
    base,
    size,
    allocated: size,
    written: size,
    extending: false,
    failure: null,
    changed,
    keys: new Set(),
  };
}

/** Removes the log's (empty) directory, durably; not there, or not empty yet, is no error: the next open clears it. */
export function removeLogDirectory(ops: FileOps, root: string): void {
  try {
    ops.rmdirSync(`${root}/${WAL_DIR}`);
    syncDirectory(ops, root);
  } catch {
    // Not there, or a checkpoint's segment not yet removed.
  }
}

/**
 * The segments a replay read, taken over by the log (read-only: no record is appended to
 * them) until a checkpoint removes them. What they changed and the keys they hold go with
 * the last one: they are checkpointed together.
 */
export function adoptSegments(
  ops: FileOps,
  paths: readonly string[],
  base: number,
  changed: Changed,
  keys: Iterable<string>,
): Segment[] {
  const segments = paths.map((path, i) => adoptSegment(ops, path, base, i === paths.length - 1 ? changed : undefined));
  for (const key of keys) segments.at(-1)?.keys.add(key);
  return segments;
}

/** One segment of {@link adoptSegments}; its number is its file name's. */
function adoptSegment(ops: FileOps, path: string, base: number, changed = noChanges()): Segment {
  let fd: number;
  try {
    fd = ops.openSync(path, constants.O_RDONLY);
  } catch (error) {
    throw ioError("open", path, error);
  }
  const number = Number(path.slice(path.lastIndexOf("/") + 1, -WAL_SEGMENT_EXTENSION.length));
  return segmentOf(number, path, [fd, fd, fd], base, ops.statSync(path)?.size ?? 0, changed);
}

let zeros = new Uint8Array(0);

/** Writes zeros past the segment's last written byte until `target` (into the page cache: no fsync). */
function writeZeros(ops: FileOps, segment: Segment, target: number): void {
  while (segment.written < target) {
    const length = Math.min(zeros.byteLength, target - segment.written);
    const written = ops.writeSync(segment.fd, zeros, 0, length, segment.written);
    if (written <= 0) throw new Error("short write");
    segment.written += written;
  }
}

/**
 * Grows a segment by zeros, fsynced, until `bytes` and `ahead` more fit past its records: the log's
 * group commits are then fdatasyncs of blocks already allocated, which need no journal
 * commit (on ext4, an append that grows the file makes every fsync one). A replay reads
 * zeros as the end of the records. Zeros already written ahead (see {@link extendAhead})
 * are not written again; this fsync covers them.
 */
export function preallocate(ops: FileOps, segment: Segment, bytes: number, ahead: number): void {
  // With no room ahead (preallocateBytes 0) the zeros still cover the record's own bytes.
  const chunk = Math.max(ahead, Math.min(bytes, 1024 * 1024), 1);
  if (zeros.byteLength < chunk) zeros = new Uint8Array(chunk);
  const target = segment.size + bytes + ahead;
  const failure = segment.failure;
  segment.failure = null;
  if (failure !== null) throw ioError("fsync", segment.path, failure);
  try {
    writeZeros(ops, segment, target);
    ops.fsyncSync(segment.aheadFd);
  } catch (error) {
    throw ioError("write", segment.path, error);
  }
  segment.allocated = Math.max(segment.allocated, segment.written);
}

/**
 * Keeps a segment ahead of its records off the event loop: once less than half of `ahead`
 * is allocated past its records, writes `ahead` more zeros (page cache only) and fsyncs
 * them on the thread pool. Records enter those bytes only once that fsync is done
 * (`allocated` moves then), so no record is written where a zero write is pending and
 * none relies on an fsync not yet done. A failed write here is left to {@link preallocate},
 * which runs on this thread when the records need the room; a failed fsync is kept and
 * reported by it (an fsync reports a write-back error once: it must not be dropped).
 */
export function extendAhead(ops: FileOps, segment: Segment, ahead: number): void {
  if (segment.extending || ahead <= 0 || segment.allocated - segment.size >= ahead / 2) return;
  if (zeros.byteLength < ahead) zeros = new Uint8Array(ahead);
  try {
    writeZeros(ops, segment, Math.max(segment.written, segment.allocated) + ahead);
  } catch {
    return; // left to preallocate
  }
  const end = segment.written;
  let fsynced: Promise<void>;
  try {
    fsynced = ops.fsync(segment.aheadFd);
  } catch {
    return; // left to preallocate
  }
  segment.extending = true;
  fsynced.then(
    () => {
      segment.extending = false;
      segment.allocated = Math.max(segment.allocated, end);
    },
    (error: unknown) => {
      segment.extending = false;
      segment.failure = error;
    },
  );
}

/** Removes segments from the front of `segments` as it goes: what is left when it throws is still on disk. */
export function removeSegments(ops: FileOps, segments: Segment[]): void {
  for (let segment = segments[0]; segment !== undefined; segment = segments[0]) {
    ops.unlinkSync(segment.path);
    segments.shift();
    closeSegment(ops, segment);
  }
}

/** Closes a segment's open file descriptions; a failure to close is no error (the file is not needed again). */
export function closeSegment(ops: FileOps, segment: Segment): void {
  for (const fd of new Set([segment.fd, segment.syncFd, segment.aheadFd])) {
    try {
      ops.closeSync(fd);
    } catch {
      // Nothing of it is left to keep.
    }
  }
}

/** What a record changes once applied: its key, the entry file put in place (if any), the directory whose names change. */
export interface RecordChange {
  readonly key: string;
  readonly file: string | null;
  readonly dir: string;
}

/**
 * Takes `record` at the end of `segment`: room made first when the allocated zeros run
 * short ({@link preallocate}), its bytes handed to `buffer` for the next commit, the
 * next zeros prepared off the event loop ({@link extendAhead}), and what it changes noted
 * for the checkpoint. Returns the log position right after it.
 */
export function appendRecord(
  ops: FileOps,
  segment: Segment,
  buffer: RecordBuffer,
  record: WalRecord,
  change: RecordChange,
  preallocateBytes: number,
): number {
  const bytes = recordBytes(record);
  if (segment.size + bytes > segment.allocated) preallocate(ops, segment, bytes, preallocateBytes);
  buffer.add(record, segment.size);
  segment.size += bytes;
  extendAhead(ops, segment, preallocateBytes);
  segment.keys.add(change.key);
  if (change.file !== null) segment.changed.files.add(change.file);
  segment.changed.dirs.add(change.dir);
  return segment.base + segment.size;
}
