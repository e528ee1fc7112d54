import { assertU64 } from "@reflex/codec";
import { rethrowCodecError } from "./store-error.ts";

/** `value` as a u64 bigint; an `invalid_argument` store error naming `what` otherwise. */
export function checkId(value: unknown, what: string): bigint {
  try {
    return assertU64(value, what);
  } catch (error) {
    rethrowCodecError(error);
  }
}
