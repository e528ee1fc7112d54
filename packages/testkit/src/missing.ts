// Reading what may be absent: a store's "not found" is an answer, anything else a failure.

/**
 * `read()`, or undefined when it throws an error `isMissing` recognises; any other
 * error is rethrown. The guard is a parameter: the testkit knows no store's errors.
 *
 * @example
 * const handle = unlessMissing(() => store.loadSync(id, tenant), (e) => isStoreError(e, "not_found"));
 */
export function unlessMissing<T>(read: () => T, isMissing: (error: unknown) => boolean): T | undefined {
  try {
    return read();
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}
