import type { OperationRecorder, StoreOperation } from "../contract/operation-recorder.ts";
import { isStoreError } from "../contract/store-error.ts";

function errorCode(error: unknown): string {
  return isStoreError(error) ? error.code : "unknown";
}

/**
 * Runs `action` and reports its duration, outcome and bytes to `recorder` (nothing,
 * and no clock read, when there is none). A promise result is reported when it settles.
 */
export function timed<T>(
  recorder: OperationRecorder | null,
  operation: StoreOperation,
  action: () => T,
  bytesOf?: (result: Awaited<T>) => number,
): T {
  if (recorder === null) return action();
  const start = performance.now();
  const succeeded = (result: Awaited<T>): void =>
    recorder.record(operation, (performance.now() - start) * 1e6, null, bytesOf === undefined ? 0 : bytesOf(result));
  const failed = (error: unknown): never => {
    recorder.record(operation, (performance.now() - start) * 1e6, errorCode(error), 0);
    throw error;
  };
  let result: T;
  try {
    result = action();
  } catch (error) {
    return failed(error);
  }
  if (result instanceof Promise) {
    return result.then((value: Awaited<T>) => {
      succeeded(value);
      return value;
    }, failed) as T;
  }
  succeeded(result as Awaited<T>);
  return result;
}

/** The bytes a handle-returning operation moved: the entry file's size. */
export function handleBytes(handle: { readonly fileBytes: number }): number {
  return handle.fileBytes;
}

/** The bytes a batch read moved: the sizes of its entry files. */
export function batchBytes(result: { readonly entries: readonly { readonly fileBytes: number }[] }): number {
  let bytes = 0;
  for (const handle of result.entries) bytes += handle.fileBytes;
  return bytes;
}
