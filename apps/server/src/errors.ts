import { type ApiErrorCode, apiErrorCodeOfStatus, apiErrorStatus, isCodecError } from "@reflex/codec";
import { isStoreError, type StoreError } from "@reflex/core";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The closed set of error codes the API answers with, in the body
 * `{"error":{"code":"...","message":"..."}}`: listed once, with their statuses, in
 * `@reflex/codec` (`API_ERRORS`), which the client reads too.
 */
export type { ApiErrorCode } from "@reflex/codec";

/** The JSON body of every error response. */
export interface ApiErrorBody {
  readonly error: { readonly code: ApiErrorCode; readonly message: string };
}

/**
 * A request error with its HTTP status and API code. Thrown anywhere in a
 * request; the app's one `onError` turns it into the JSON error body.
 *
 * @example throw new ApiError(422, "tenant_mismatch", "body tenant_id 2 differs from path tenant 1");
 */
export class ApiError extends HTTPException {
  override readonly name = "ReflexApiError";
  readonly code: ApiErrorCode;
  /** Extra response headers (e.g. `WWW-Authenticate` on a 401). */
  readonly headers: Record<string, string> | undefined;

  constructor(
    status: ContentfulStatusCode,
    code: ApiErrorCode,
    message: string,
    options: { headers?: Record<string, string> } = {},
  ) {
    super(status, { message });
    this.code = code;
    this.headers = options.headers;
  }
}

/** Reports errors that are the server's fault (5xx); gets the full error, never shown to clients, and the request's id when known. */
export type InternalErrorReporter = (message: string, error: unknown, requestId?: string) => void;

/** The JSON body of an error, in the API's one shape. */
export function errorBody(code: ApiErrorCode, message: string): ApiErrorBody {
  return { error: { code, message } };
}

/** Answers with an error in the API's shape: status, `{"error":{code,message}}`, extra headers. */
export function jsonErrorResponse(
  status: ContentfulStatusCode,
  code: ApiErrorCode,
  message: string,
  headers?: Record<string, string>,
): Response {
  return new Response(JSON.stringify(errorBody(code, message)), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

/** {@link jsonErrorResponse} with the status `code` always comes with (`API_ERRORS` in `@reflex/codec`). */
function apiErrorResponse(code: ApiErrorCode, message: string): Response {
  return jsonErrorResponse(apiErrorStatus(code), code, message);
}

function errnoSuffix(error: StoreError): string {
  return error.errno === undefined ? "" : ` (${error.errno})`;
}

/** Maps a core error to status, code and a client-safe message (no paths for server-side failures). */
function storeErrorResponse(error: StoreError, report: InternalErrorReporter): Response {
  switch (error.code) {
    case "not_found":
      return apiErrorResponse("not_found", error.message);
    case "invalid_argument":
      return apiErrorResponse("bad_request", error.message);
    case "serialization":
      return apiErrorResponse("invalid_body", error.message);
    case "corrupt":
      report(`corrupt entry: ${error.message}`, error);
      return apiErrorResponse(
        "data_corrupted",
        `the stored entry is corrupt${error.reason === undefined ? "" : ` (${error.reason})`}; it needs to be rewritten or deleted`,
      );
    case "storage_unavailable":
    case "tenant_dir_creation_failed":
      report(`storage unavailable: ${error.message}`, error);
      return apiErrorResponse("storage_unavailable", `storage is unavailable${errnoSuffix(error)}`);
    case "io":
      report(`storage i/o error: ${error.message}`, error);
      if (error.errno === "ENOSPC" || error.errno === "EDQUOT" || error.errno === "EROFS" || error.errno === "EACCES") {
        return apiErrorResponse("storage_unavailable", `storage is unavailable${errnoSuffix(error)}`);
      }
      return apiErrorResponse("internal_error", `storage i/o error${errnoSuffix(error)}`);
    case "released":
      report(`handle misuse: ${error.message}`, error);
      return apiErrorResponse("internal_error", "internal server error");
    case "too_large":
      return apiErrorResponse("payload_too_large", error.message);
    case "locked":
    case "read_only":
      report(`storage not writable: ${error.message}`, error);
      return apiErrorResponse("storage_unavailable", "storage is not writable by this server");
    case "invalid_embedding":
      return apiErrorResponse("invalid_embedding", error.message);
    case "index_full":
      report(`lookup index full: ${error.message}`, error);
      return apiErrorResponse("index_full", error.message);
    case "outcome_unknown":
      report(`write outcome unknown: ${error.message}`, error);
      return apiErrorResponse(
        "outcome_unknown",
        "the write may or may not have been applied (no confirmation in time); retrying the same request is safe",
      );
    case "degraded":
      report(`write refused, storage degraded: ${error.message}`, error);
      return apiErrorResponse("degraded", `write refused, nothing was written: ${error.message}`);
    case "unsupported":
      report(`unsupported by this backend: ${error.message}`, error);
      return apiErrorResponse("unsupported", error.message);
  }
}

/**
 * The app's one error handler: `ApiError` and Hono's `HTTPException` keep their
 * status, core `StoreError`s map by code (404, 400 incl. `invalid_embedding`, 500
 * `data_corrupted`, 501 `unsupported`, 503 incl. `index_full`, `outcome_unknown` and `degraded`),
 * codec errors from decoding a request body are 400 (413 when too large), and
 * anything else is a 500 with a fixed message. Never a stack trace.
 */
export function createErrorHandler(report: InternalErrorReporter): (error: Error, c: Context) => Response {
  return function onError(error, c) {
    const requestId = (c.env as { note?: { id: string } } | undefined)?.note?.id;
    return responseForError(error, report, `${c.req.method} ${c.req.path}`, requestId);
  };
}

/**
 * {@link createErrorHandler}'s answer to one error, without a Hono context (the fast routes
 * use it too); `where` names the request in reports, `requestId` goes with each report.
 */
export function responseForError(
  error: unknown,
  reportTo: InternalErrorReporter,
  where: string,
  requestId?: string,
): Response {
  if (error instanceof ApiError) {
    return jsonErrorResponse(error.status as ContentfulStatusCode, error.code, error.message, error.headers);
  }
  const report: InternalErrorReporter =
    requestId === undefined ? reportTo : (message, cause) => reportTo(message, cause, requestId);
  if (isStoreError(error)) return storeErrorResponse(error, report);
  if (isCodecError(error)) {
    if (error.code === "too_large") return apiErrorResponse("payload_too_large", error.message);
    return apiErrorResponse("invalid_body", error.message);
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    // Hono's JSON validator throws a plain 400 for a body that is not JSON.
    const code =
      status === 400 && /json/i.test(error.message)
        ? "invalid_body"
        : (apiErrorCodeOfStatus(status) ?? (status >= 500 ? "internal_error" : "bad_request"));
    if (status >= 500) report(`HTTP ${status}: ${error.message}`, error);
    return jsonErrorResponse(status, code, error.message || `HTTP ${status}`);
  }
  report(`unhandled error in ${where}`, error);
  return apiErrorResponse("internal_error", "internal server error");
}

/** Answers requests that match no route: 404 in the API's error shape. */
export function notFoundHandler(c: Context): Response {
  return apiErrorResponse("not_found", `no route for ${c.req.method} ${c.req.path}`);
}
