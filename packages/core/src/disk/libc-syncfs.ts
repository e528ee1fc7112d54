import { dlopen, FFIType } from "bun:ffi";
import { fsyncSync } from "node:fs";

// syncfs(2) through libc (Linux only; Bun has no binding): writes back every dirty page
// and inode of the file system holding `fd` in one call, where N fsyncs would each wait
// for a journal commit. Elsewhere (or when libc has no syncfs) it falls back to fsync(fd).

type SyncFs = (fd: number) => number;

let syncfsOfLibc: SyncFs | null | undefined;

function load(): SyncFs | null {
  if (syncfsOfLibc !== undefined) return syncfsOfLibc;
  syncfsOfLibc = null;
  if (process.platform !== "linux") return null;
  try {
    const lib = dlopen("libc.so.6", { syncfs: { args: [FFIType.i32], returns: FFIType.i32 } });
    syncfsOfLibc = (fd) => lib.symbols.syncfs(fd) as number;
  } catch {
    // No syncfs in this libc: fsync of the one fd is the fallback.
  }
  return syncfsOfLibc;
}

/**
 * `syncfs(fd)`: makes everything written to the file system of `fd` durable, on this thread.
 * Throws an `EIO`-coded error when the kernel reports a write-back failure. Without syncfs
 * (not Linux) it only fsyncs `fd`; callers then fsync what they changed themselves.
 * @returns true when it was a real syncfs.
 */
export function syncFileSystem(fd: number): boolean {
  const syncfs = load();
  if (syncfs === null) {
    fsyncSync(fd);
    return false;
  }
  if (syncfs(fd) !== 0) throw Object.assign(new Error("syncfs failed"), { code: "EIO" });
  return true;
}

/** True when {@link syncFileSystem} is a real syncfs here. */
export function hasSyncFileSystem(): boolean {
  return load() !== null;
}
