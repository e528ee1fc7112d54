// Test helpers of @reflex/core: tracked stores, typed-error probes and file-damage
// tools. What is not about the store (entries, bytes, randomness, temp dirs) comes
// from @reflex/testkit.
import { expect } from "bun:test";
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { removeTempDirs, tempDir } from "@reflex/testkit";
import { isStoreError, type StoreError, type StoreErrorCode } from "../src/contract/store-error.ts";
import { NvmeStorage } from "../src/store/nvme-storage.ts";
import type { NvmeStorageOptions } from "../src/store/store-options.ts";

/** Largest u64: 2^64 - 1. */
export const MAX_ID = 0xffff_ffff_ffff_ffffn;

const openStores: NvmeStorage[] = [];

/** A store over `root` (default: a fresh temp dir), closed by {@link cleanupTestState}. */
export function openStore(root: string = tempDir(), options: NvmeStorageOptions = {}): NvmeStorage {
  const store = new NvmeStorage(root, options);
  openStores.push(store);
  return store;
}

/** Closes every store opened by {@link openStore} and removes every temp dir (testkit `tempDir`). Use in `afterEach`. */
export function cleanupTestState(): void {
  for (const store of openStores.splice(0)) store.close();
  removeTempDirs();
}

function describeError(error: unknown): string {
  if (isStoreError(error)) return `StoreError(${error.code}): ${error.message}`;
  return `non-store error: ${String(error)}`;
}

function checkStoreError(error: unknown, codes: StoreErrorCode | readonly StoreErrorCode[]): StoreError {
  const wanted: readonly StoreErrorCode[] = typeof codes === "string" ? [codes] : codes;
  if (!isStoreError(error) || !wanted.includes(error.code)) {
    throw new Error(`expected a StoreError with code ${wanted.join(" or ")}, got ${describeError(error)}`);
  }
  expect(wanted).toContain(error.code);
  return error;
}

/** Calls `fn` and checks that it throws a `StoreError` with (one of) `code`; returns the error. */
export function expectStoreError(fn: () => unknown, code: StoreErrorCode | readonly StoreErrorCode[]): StoreError {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    return checkStoreError(error, code);
  }
  if (result instanceof Promise) {
    result.catch(() => undefined);
    throw new Error("expected a synchronous throw, got a promise (use expectStoreErrorAsync)");
  }
  throw new Error(`expected a StoreError with code ${String(code)}, but nothing was thrown`);
}

/**
 * Calls an async `fn` and checks that the promise it returns rejects with a
 * `StoreError` with (one of) `code`. A synchronous throw fails the check: a
 * promise-returning API reports errors by rejecting.
 */
export async function expectStoreErrorAsync(
  fn: () => Promise<unknown>,
  code: StoreErrorCode | readonly StoreErrorCode[],
): Promise<StoreError> {
  let promise: Promise<unknown>;
  try {
    promise = fn();
  } catch (error) {
    throw new Error(`expected a rejected promise, but the call threw synchronously: ${describeError(error)}`);
  }
  try {
    await promise;
  } catch (error) {
    return checkStoreError(error, code);
  }
  throw new Error(`expected a StoreError with code ${String(code)}, but the promise resolved`);
}

/** XORs the byte at `offset` (negative: from the end) of a file with `mask`, in place. */
export function flipByte(path: string, offset: number, mask = 0x01): void {
  const bytes = readFileSync(path);
  const at = offset < 0 ? bytes.byteLength + offset : offset;
  const old = bytes[at];
  if (old === undefined) throw new Error(`offset ${offset} is outside ${path} (${bytes.byteLength} bytes)`);
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, new Uint8Array([old ^ mask]), 0, 1, at);
  } finally {
    closeSync(fd);
  }
}

/** Overwrites `length` bytes of a file at `offset` with zeros, in place. */
export function zeroRange(path: string, offset: number, length: number): void {
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, new Uint8Array(length), 0, length, offset);
  } finally {
    closeSync(fd);
  }
}

/** Rewrites a file with only its first `length` bytes. */
export function truncateTo(path: string, length: number): void {
  writeFileSync(path, readFileSync(path).subarray(0, length));
}
