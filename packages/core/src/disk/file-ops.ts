import * as fs from "node:fs";
import { syncFileSystem } from "./libc-syncfs.ts";

/**
 * Every file-system call the store makes on its write, delete and maintenance paths
 * (directory listings aside: they go through root-walk.ts).
 * It is the store's fault-injection seam: a test replaces one call with one that
 * throws `ENOSPC`, `EIO`, ... and checks that nothing is lost. Production uses
 * {@link nodeFileOps}. The read path uses node:fs and Bun.mmap directly (faults
 * there are tested with real files).
 */
export interface FileOps {
  openSync(path: string, flags: number, mode?: number): number;
  /** {@link openSync} on the thread pool (a file create can cost far more than a write). */
  open(path: string, flags: number, mode?: number): Promise<number>;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /**
   * fsync(2); `dataOnly`: fdatasync(2), which skips metadata a read does not need (the
   * mtime): on a file whose size and blocks do not change, no journal commit. An
   * implementation may always do a full fsync.
   */
  fsyncSync(fd: number, dataOnly?: boolean): void;
  /** {@link fsyncSync} on the thread pool. */
  fsync(fd: number, dataOnly?: boolean): Promise<void>;
  /**
   * syncfs(2) of the file system holding `fd`, on this thread: every write, rename and
   * unlink made so far becomes durable. False when the platform has none (only `fd` was
   * fsynced): the caller must then fsync what it changed.
   */
  syncfsSync(fd: number): boolean;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  /** Makes one directory (mode 0755); `recursive` makes its missing parents too and accepts an existing one. */
  mkdirSync(path: string, recursive?: boolean): void;
  rmdirSync(path: string): void;
  /** Removes a file, or a directory with everything in it (`recursive`); nothing there is no error. */
  rmSync(path: string, recursive: boolean): void;
  /** The file's size, mtime and kind; undefined when nothing is there. */
  statSync(path: string): FileStat | undefined;
  /** Sets a file's access and modification times, in seconds since the epoch. */
  utimesSync(path: string, atimeSeconds: number, mtimeSeconds: number): void;
}

/** What the store reads of a stat. */
export interface FileStat {
  readonly size: number;
  readonly mtimeMs: number;
  isDirectory(): boolean;
  isFile(): boolean;
}

/** The real node:fs calls (run on Bun's thread pool for the async ones). */
export const nodeFileOps: FileOps = {
  openSync: (path, flags, mode) => fs.openSync(path, flags, mode),
  open: (path, flags, mode) =>
    new Promise((resolve, reject) => fs.open(path, flags, mode, (error, fd) => (error ? reject(error) : resolve(fd)))),
  writeSync: (fd, buffer, offset, length, position) => fs.writeSync(fd, buffer, offset, length, position),
  write: (fd, buffer, offset, length, position) =>
    new Promise((resolve, reject) =>
      fs.write(fd, buffer, offset, length, position, (error, written) => (error ? reject(error) : resolve(written))),
    ),
  fsyncSync: (fd, dataOnly = false) => (dataOnly ? fs.fdatasyncSync(fd) : fs.fsyncSync(fd)),
  fsync: (fd, dataOnly = false) =>
    new Promise((resolve, reject) =>
      (dataOnly ? fs.fdatasync : fs.fsync)(fd, (error) => (error ? reject(error) : resolve())),
    ),
  syncfsSync: (fd) => syncFileSystem(fd),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (path) => fs.unlinkSync(path),
  mkdirSync: (path, recursive = false) => {
    fs.mkdirSync(path, { mode: 0o755, recursive });
  },
  rmdirSync: (path) => fs.rmdirSync(path),
  rmSync: (path, recursive) => fs.rmSync(path, { recursive, force: true }),
  statSync: (path) => fs.statSync(path, { throwIfNoEntry: false }),
  utimesSync: (path, atimeSeconds, mtimeSeconds) => fs.utimesSync(path, atimeSeconds, mtimeSeconds),
};

/** open(2) flags for a new temp file: write-only, must not exist yet. */
export const TEMP_OPEN_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL;
/** open(2) flags for a directory to fsync. */
export const DIR_OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_DIRECTORY ?? 0);
