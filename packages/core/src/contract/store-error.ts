import { type CodecError, isCodecError, isCorruptionCode } from "@reflex/codec";

/**
 * Why a store operation failed. The seed's errors keep their meaning:
 * `not_found` (NotFound), `storage_unavailable` (StorageUnavailable),
 * `tenant_dir_creation_failed` (TenantDirCreationFailed), `serialization`
 * (Serialization), `io` (Io). Beyond the seed: `corrupt` (a file failed its
 * envelope check or sits in the wrong place), `invalid_argument` (an id or field
 * out of range), `released` (a handle used after `release()`), `locked` (another
 * process holds the root's writer lock; `holder` names it), `read_only` (a write to a
 * store opened read-only), `too_large` (an entry over the bound that applies to it,
 * refused before anything was evicted), `invalid_embedding` (an embedding that is not
 * f16, or a query that cannot be compared by cosine), `unsupported` (an operation this
 * backend, or this store's options, do not offer) and `index_full` (the lookup index
 * reached its memory bound).
 *
 * Codes of networked backends (`RedisClusterStore`), never raised by `NvmeStorage`:
 * `outcome_unknown` (a write was sent but its reply was lost or late: it may or may not
 * have been applied; a retry of the same write is safe), `degraded` (a `replicated`
 * write refused before anything was written, because the shard has no replica to
 * confirm it). A backend it cannot reach at all is `storage_unavailable`.
 */
export type StoreErrorCode =
  | "not_found"
  | "storage_unavailable"
  | "tenant_dir_creation_failed"
  | "serialization"
  | "io"
  | "corrupt"
  | "invalid_argument"
  | "released"
  | "locked"
  | "read_only"
  | "too_large"
  | "invalid_embedding"
  | "unsupported"
  | "index_full"
  | "outcome_unknown"
  | "degraded";

/** The process holding a root's writer lock, as a `locked` error names it. */
export interface LockHolderInfo {
  readonly pid: number;
  /** What the holder called itself, e.g. `"reflex serve"`. */
  readonly name: string;
}

/** The one error class of `@reflex/core`. */
export class StoreError extends Error {
  override readonly name = "ReflexStoreError";
  readonly code: StoreErrorCode;
  /** For `io` and friends: the OS error code (`ENOSPC`, `EIO`, ...), when there was one. */
  readonly errno: string | undefined;
  /** For `corrupt`: what was wrong (`checksum_mismatch`, `truncated`, `tenant_mismatch`, ...). */
  readonly reason: string | undefined;
  /** For `locked`: the process that holds the lock, when its lock file names it. */
  readonly holder: LockHolderInfo | undefined;

  constructor(
    code: StoreErrorCode,
    message: string,
    options: {
      cause?: unknown;
      errno?: string | undefined;
      reason?: string | undefined;
      holder?: LockHolderInfo | undefined;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.errno = options.errno;
    this.reason = options.reason;
    this.holder = options.holder;
  }
}

/**
 * True for a {@link StoreError}, checked by `name` and `code` rather than
 * `instanceof` (works across two copies of the package). With `code`, also
 * checks the code.
 */
export function isStoreError(value: unknown, code?: StoreErrorCode): value is StoreError {
  return (
    value instanceof Error &&
    value.name === "ReflexStoreError" &&
    typeof (value as { code?: unknown }).code === "string" &&
    (code === undefined || (value as { code?: unknown }).code === code)
  );
}

/** The OS error code of a node:fs error (`ENOENT`, ...), or undefined. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Wraps a failed file-system call as an `io` error naming the operation and path. */
export function ioError(operation: string, path: string, cause: unknown): StoreError {
  const errno = errnoOf(cause);
  return new StoreError("io", `${operation} ${path} failed: ${errno ?? (cause as Error)?.message ?? cause}`, {
    cause,
    errno,
  });
}

/** Maps a codec error to the store's: damage is `corrupt`, bad input is `invalid_argument` or `serialization`. */
export function fromCodecError(error: CodecError, path?: string): StoreError {
  if (isCorruptionCode(error.code)) {
    return new StoreError("corrupt", `${path ?? "entry"} is corrupt: ${error.message}`, {
      cause: error,
      reason: error.code,
    });
  }
  if (error.code === "invalid_value") {
    return new StoreError("invalid_argument", error.message, { cause: error });
  }
  return new StoreError("serialization", error.message, { cause: error });
}

/** Rethrows a codec error as a store error; anything else unchanged. */
export function rethrowCodecError(error: unknown, path?: string): never {
  if (isCodecError(error)) throw fromCodecError(error, path);
  throw error;
}
