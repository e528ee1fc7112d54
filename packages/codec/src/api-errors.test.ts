import { expect, test } from "bun:test";
import { API_ERROR_CODES, API_ERRORS, apiErrorCodeOfStatus, apiErrorStatus, isApiErrorCode } from "./index.ts";

test("every code has a 4xx or 5xx status", () => {
  expect(API_ERROR_CODES.length).toBeGreaterThan(0);
  for (const code of API_ERROR_CODES) {
    expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
    const status = apiErrorStatus(code);
    expect([code, status >= 400 && status < 600]).toEqual([code, true]);
  }
});

test("the known codes are exactly the list; anything else is not a code", () => {
  for (const code of API_ERROR_CODES) expect(isApiErrorCode(code)).toBe(true);
  for (const other of ["bad_response", "timeout", "network_error", "", "NOT_FOUND", "toString", 404, undefined]) {
    expect(isApiErrorCode(other)).toBe(false);
  }
});

test("status -> code is the inverse of code -> status for the bare codes, one per status", () => {
  const bare = API_ERROR_CODES.filter((code) => "bare" in API_ERRORS[code]);
  expect(new Set(bare.map(apiErrorStatus)).size).toBe(bare.length);
  for (const code of bare) expect(apiErrorCodeOfStatus(apiErrorStatus(code))).toBe(code);
  // the body-less statuses the client read before this table existed, and their codes
  expect(
    Object.fromEntries([400, 401, 403, 404, 413, 415, 422, 500, 501, 503].map((s) => [s, apiErrorCodeOfStatus(s)])),
  ).toEqual({
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "tenant_mismatch",
    500: "internal_error",
    501: "unsupported",
    503: "storage_unavailable",
  });
  for (const status of [200, 304, 409, 418, 429, 502, 504]) expect(apiErrorCodeOfStatus(status)).toBeUndefined();
});
