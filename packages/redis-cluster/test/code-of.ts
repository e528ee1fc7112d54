// The code a store call failed with, for tests that assert a refusal by its code.
import { isStoreError, type StoreErrorCode } from "@reflex/core";

/** Runs `action`: the code of the `StoreError` it throws, or `"none"` when it succeeds (any other error is thrown). */
export async function codeOf(action: () => Promise<unknown>): Promise<StoreErrorCode | "none"> {
  try {
    await action();
  } catch (error) {
    if (isStoreError(error)) return error.code;
    throw error;
  }
  return "none";
}
