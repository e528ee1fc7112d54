/** The response header that carries a request's id (echoed from the request when valid). */
export const REQUEST_ID_HEADER = "x-request-id";

/** What an echoed id may be: 1 to 128 of letters, digits and `-_.:/+=@` (nothing that could forge a log line). */
const VALID_REQUEST_ID = /^[\w.:/+=@-]{1,128}$/;

/** This process's prefix: 48 random bits, so ids of two servers do not collide. */
const PREFIX = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, "0")).join("");
let counter = 0;

/**
 * The id of a request: its `X-Request-Id` when that is a safe token of at most 128
 * characters, else a new one, `<process prefix>-<counter in base 36>` (unique per
 * process; a string concatenation, no random draw per request).
 *
 * @example requestIdOf(request.headers.get("x-request-id")) // "3f9a0c12b4e1-1k"
 */
export function requestIdOf(header: string | null): string {
  if (header !== null && VALID_REQUEST_ID.test(header)) return header;
  counter++;
  return `${PREFIX}-${counter.toString(36)}`;
}
