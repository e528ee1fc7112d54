import type { ApiErrorCode } from "@reflex/codec";

/**
 * Every error code a {@link ReflexClientError} carries: the server's codes (the `code` of
 * its `{"error":{"code","message"}}` body, listed once in `@reflex/codec`'s `API_ERRORS`)
 * and three of the client's own.
 */
export type ReflexClientErrorCode =
  | ApiErrorCode
  /** No answer: the connection failed or was cut (retried for idempotent calls). */
  | "network_error"
  /** No answer within the call's timeout. */
  | "timeout"
  /** An answer the client could not read (not the API's shape, or an unknown error code). */
  | "bad_response";

/** The one error class of `@reflex/client`: the server's code and HTTP status, or a client code with status 0. */
export class ReflexClientError extends Error {
  override readonly name = "ReflexClientError";
  /** The server's error code, or `network_error` / `timeout` / `bad_response`. */
  readonly code: ReflexClientErrorCode;
  /** The HTTP status; 0 when no answer came. */
  readonly status: number;

  constructor(code: ReflexClientErrorCode, status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.status = status;
  }
}

/**
 * True when `error` is a {@link ReflexClientError} (by `name`, so two copies of the package
 * agree), and, with `code`, one with that code.
 */
export function isReflexClientError(error: unknown, code?: ReflexClientErrorCode): error is ReflexClientError {
  if (typeof error !== "object" || error === null) return false;
  const candidate = error as { name?: unknown; code?: unknown; status?: unknown };
  if (candidate.name !== "ReflexClientError" || typeof candidate.status !== "number") return false;
  return code === undefined || candidate.code === code;
}
