/**
 * The HTTP API's error contract, listed once: every code an error answer's body
 * `{"error":{"code":"...","message":"..."}}` may carry, with the status it comes with.
 * The server answers with these (`apps/server`), the client reads them (`@reflex/client`);
 * neither lists a code of its own.
 *
 * `bare: true` marks the one code that stands for its status alone: the code a client gives
 * an answer that has that status and no body (a HEAD), and the code the server gives an
 * error that carries only a status. At most one code per status is bare.
 */
export const API_ERRORS = {
  /** A path id (tenant or entry) that is not a canonical decimal u64. */
  invalid_id: { status: 400 },
  /** A query parameter out of its grammar or range. */
  invalid_query: { status: 400 },
  /** A body that is not valid JSON or protobuf, or fails the entry's schema. */
  invalid_body: { status: 400 },
  /** Any other malformed request. */
  bad_request: { status: 400, bare: true },
  /** No bearer token, or not a valid one. */
  unauthorized: { status: 401, bare: true },
  /** The token does not cover the tenant, or is not an admin token. */
  forbidden: { status: 403, bare: true },
  /** No such entry, or no such route. */
  not_found: { status: 404, bare: true },
  /** A body over the server's limit. */
  payload_too_large: { status: 413, bare: true },
  /** A PUT without a JSON or protobuf `Content-Type`. */
  unsupported_media_type: { status: 415, bare: true },
  /** The body's tenant differs from the path's. */
  tenant_mismatch: { status: 422, bare: true },
  /** An embedding of odd byte length, or a search query that is empty, all zeros or not finite. */
  invalid_embedding: { status: 400 },
  /** The stored entry failed its checks; it needs to be rewritten or deleted. */
  data_corrupted: { status: 500 },
  /** Anything else that is the server's fault; details stay in the server's log. */
  internal_error: { status: 500, bare: true },
  /** What the backend does not offer (search without lookup, cleanup on a Redis Cluster). */
  unsupported: { status: 501, bare: true },
  /** The lookup index reached its memory bound. */
  index_full: { status: 503 },
  /** The storage cannot be reached or written. */
  storage_unavailable: { status: 503, bare: true },
  /** A write that may or may not have been applied; retrying the same request is safe. */
  outcome_unknown: { status: 503 },
  /** A replicated write refused because the shard has no replica; nothing was written. */
  degraded: { status: 503 },
} as const satisfies Record<string, { readonly status: number; readonly bare?: true }>;

/** One of the closed set of error codes of the API (the keys of {@link API_ERRORS}). */
export type ApiErrorCode = keyof typeof API_ERRORS;

/** The HTTP statuses of the API's error codes (literal, so a server can hand them to its framework). */
export type ApiErrorStatus = (typeof API_ERRORS)[ApiErrorCode]["status"];

/** Every API error code, in the order of {@link API_ERRORS}. */
export const API_ERROR_CODES: readonly ApiErrorCode[] = Object.keys(API_ERRORS) as ApiErrorCode[];

const KNOWN_CODES: ReadonlySet<string> = new Set(API_ERROR_CODES);

const BARE_CODE_OF_STATUS: ReadonlyMap<number, ApiErrorCode> = new Map(
  API_ERROR_CODES.filter((code) => "bare" in API_ERRORS[code]).map((code) => [API_ERRORS[code].status, code]),
);

/** True when `code` is one of the API's error codes. */
export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === "string" && KNOWN_CODES.has(code);
}

/** The HTTP status an error with `code` is answered with. */
export function apiErrorStatus(code: ApiErrorCode): ApiErrorStatus {
  return API_ERRORS[code].status;
}

/**
 * The code that stands for `status` alone (its `bare` code), or undefined when no code does:
 * how a body-less error answer (HEAD) is read, and how an error with only a status is named.
 *
 * @example apiErrorCodeOfStatus(404); // "not_found"
 */
export function apiErrorCodeOfStatus(status: number): ApiErrorCode | undefined {
  return BARE_CODE_OF_STATUS.get(status);
}
