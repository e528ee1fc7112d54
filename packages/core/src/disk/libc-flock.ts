import { dlopen, FFIType, read } from "bun:ffi";

// flock(2) through libc: Bun has no binding. flock locks belong to the open file
// description, so the kernel drops one when its last fd closes, which happens when
// the process dies however it dies (SIGKILL included): no stale lock is possible.
const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;
const EWOULDBLOCK = process.platform === "darwin" ? 35 : 11;
const EINTR = 4;

type Libc = {
  flock(fd: number, operation: number): number;
  errno(): number;
};

let libc: Libc | null = null;

function load(): Libc {
  if (libc !== null) return libc;
  const darwin = process.platform === "darwin";
  const errnoSymbol = darwin ? "__error" : "__errno_location";
  const lib = dlopen(darwin ? "libc.dylib" : "libc.so.6", {
    flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    [errnoSymbol]: { args: [], returns: FFIType.ptr },
  });
  const errnoAt = lib.symbols[errnoSymbol] as () => number | null;
  libc = {
    flock: (fd, operation) => lib.symbols.flock(fd, operation) as number,
    errno: () => {
      const pointer = errnoAt();
      return pointer === null ? 0 : read.i32(pointer as never);
    },
  };
  return libc;
}

/** What {@link tryLockExclusive} found. */
export type FlockResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly busy: boolean; readonly errno: number };

/** `flock(fd, LOCK_EX | LOCK_NB)`: takes the exclusive lock at once, or says another holds it (`busy`). */
export function tryLockExclusive(fd: number): FlockResult {
  const c = load();
  for (;;) {
    if (c.flock(fd, LOCK_EX | LOCK_NB) === 0) return { ok: true };
    const errno = c.errno();
    if (errno === EINTR) continue;
    return { ok: false, busy: errno === EWOULDBLOCK, errno };
  }
}

/** `flock(fd, LOCK_UN)`. Closing the fd drops the lock too; this makes it explicit. */
export function unlock(fd: number): void {
  load().flock(fd, LOCK_UN);
}
