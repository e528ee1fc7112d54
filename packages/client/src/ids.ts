import { ReflexClientError } from "./client-error.ts";

/** Tenant and entry ids are u64: bigint (a number is accepted when it is a safe integer). */
export type Id = bigint | number;

/**
 * The decimal text of an id. A bigint goes as it is (the server judges its range); a number
 * must be a safe integer of at least 0, else the call fails here with `invalid_id` (status 0)
 * before any request: `1.5`, `-1`, `NaN` or `2 ** 53` would otherwise reach the server as a
 * different id, or throw a bare RangeError.
 */
export function idText(id: Id, what = "id"): string {
  if (typeof id === "number" && !(Number.isSafeInteger(id) && id >= 0)) {
    throw new ReflexClientError("invalid_id", 0, `${what} ${id} is not a safe non-negative integer: pass a bigint`);
  }
  return String(id);
}

/** {@link idText} as a bigint. */
export function idOf(id: Id, what = "id"): bigint {
  return BigInt(idText(id, what));
}

/** The id's text in a URL path. */
export function pathId(id: Id, what = "id"): string {
  return encodeURIComponent(idText(id, what));
}
