import { CodecError } from "./codec-error.ts";

// Whole seconds in canonical decimal (no sign, no leading zeros), at most 10 digits
// (~317 years): the largest TTL whose expiry, now + ttl, stays far inside an i64.
/** The TTL grammar as a regular expression source (what `/openapi.json` states as the `ttl` pattern). */
export const TTL_PATTERN = "^(0|[1-9][0-9]{0,9})$";
const TTL_TEXT = new RegExp(TTL_PATTERN);

/** What a time to live given as text must be, for messages. */
export const TTL_GRAMMAR = "a whole number of seconds of at most 10 digits (0: never expires)";

/**
 * True when `text` is a time to live in the one TTL grammar of the server (`?ttl=`,
 * `--default-ttl`) and the CLI (`--ttl`): canonical decimal seconds, at most 10 digits.
 */
export function isTtlText(text: string): boolean {
  return TTL_TEXT.test(text);
}

/**
 * Parses a time to live in seconds ({@link isTtlText}); `0` is "never expires".
 * Anything else is a `CodecError` `invalid_value` naming `what`.
 *
 * @example parseTtlSeconds("3600", "--ttl") // 3600
 */
export function parseTtlSeconds(text: string, what = "ttl"): number {
  if (!isTtlText(text)) {
    throw new CodecError("invalid_value", `${what} must be ${TTL_GRAMMAR}, got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return Number(text);
}
