import { CodecError } from "./codec-error.ts";

/** Largest u64: 2^64 - 1. */
export const U64_MAX = 0xffff_ffff_ffff_ffffn;
/** Smallest i64: -2^63. */
export const I64_MIN = -0x8000_0000_0000_0000n;
/** Largest i64: 2^63 - 1. */
export const I64_MAX = 0x7fff_ffff_ffff_ffffn;

const CANONICAL_DECIMAL = /^(?:0|[1-9][0-9]{0,19})$/;
const SIGNED_DECIMAL = /^-?(?:0|[1-9][0-9]{0,18})$/;

/**
 * Checks that `value` is a bigint in [0, 2^64-1] and returns it.
 * A number, a negative or an overflow is an `invalid_value` error, never wrapped or rounded.
 */
export function assertU64(value: unknown, what = "value"): bigint {
  if (typeof value !== "bigint") {
    throw new CodecError("invalid_value", `${what} must be a bigint, got ${typeof value}`);
  }
  if (value < 0n || value > U64_MAX) {
    throw new CodecError("invalid_value", `${what} ${value} is outside [0, 2^64-1]`);
  }
  return value;
}

/** Checks that `value` is a bigint in [-2^63, 2^63-1] and returns it. */
export function assertI64(value: unknown, what = "value"): bigint {
  if (typeof value !== "bigint") {
    throw new CodecError("invalid_value", `${what} must be a bigint, got ${typeof value}`);
  }
  if (value < I64_MIN || value > I64_MAX) {
    throw new CodecError("invalid_value", `${what} ${value} is outside [-2^63, 2^63-1]`);
  }
  return value;
}

/**
 * Parses a canonical decimal u64: ASCII digits only, no sign, no leading zeros,
 * no whitespace, at most 2^64-1. This is the one id grammar of the store, the
 * HTTP API and the CLI.
 *
 * @example parseU64("18446744073709551615", "tenant") // 18446744073709551615n
 */
export function parseU64(text: string, what = "value"): bigint {
  if (!CANONICAL_DECIMAL.test(text)) {
    throw new CodecError(
      "invalid_value",
      `${what} must be a decimal integer in [0, 18446744073709551615] without sign or leading zeros, got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  const value = BigInt(text);
  if (value > U64_MAX) {
    throw new CodecError("invalid_value", `${what} ${text} is larger than 2^64-1`);
  }
  return value;
}

/** Parses a canonical decimal i64 (an optional leading `-`, no leading zeros). */
export function parseI64(text: string, what = "value"): bigint {
  if (!SIGNED_DECIMAL.test(text) || text === "-0") {
    throw new CodecError(
      "invalid_value",
      `${what} must be a decimal integer in [-2^63, 2^63-1], got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return assertI64(BigInt(text), what);
}

/** True when `text` is the canonical decimal form of a u64 (as used for file and directory names). */
export function isCanonicalU64(text: string): boolean {
  return CANONICAL_DECIMAL.test(text) && BigInt(text) <= U64_MAX;
}
