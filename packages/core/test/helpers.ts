// Shared test helpers for @reflex/core: fresh temp dirs, tracked stores, an entry
// factory, a seeded PRNG, typed-error probes and file-damage tools.
import { expect } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EntryFields } from "@reflex/codec";
import { NvmeStorage } from "../src/nvme-storage.ts";
import { isStoreError, type StoreError, type StoreErrorCode } from "../src/store-error.ts";
import type { NvmeStorageOptions } from "../src/store-options.ts";

/** Largest u64: 2^64 - 1. */
export const MAX_ID = 0xffff_ffff_ffff_ffffn;

const madeDirs: string[] = [];
const openStores: NvmeStorage[] = [];

/** A fresh, empty temp dir (`<tmp>/reflex-XXXXXX`), removed by {@link cleanupTestState}. */
export function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "reflex-"));
  madeDirs.push(dir);
  return dir;
}

/** A store over `root` (default: a fresh temp dir), closed by {@link cleanupTestState}. */
export function openStore(root: string = freshDir(), options: NvmeStorageOptions = {}): NvmeStorage {
  const store = new NvmeStorage(root, options);
  openStores.push(store);
  return store;
}

/** Closes every store opened by {@link openStore} and removes every dir made by {@link freshDir}. Use in `afterEach`. */
export function cleanupTestState(): void {
  for (const store of openStores.splice(0)) store.close();
  for (const dir of madeDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** What an entry looks like before it is stored; every field has a default. */
export interface EntrySpec {
  readonly tenantId?: bigint;
  readonly contextHash?: bigint;
  readonly timestamp?: bigint;
  readonly embedding?: Uint8Array;
  /** A string is UTF-8 encoded. */
  readonly payload?: string | Uint8Array;
}

const utf8 = new TextEncoder();

/** An entry of tenant 1 (by default) with a small embedding and a text payload. */
export function makeEntry(spec: EntrySpec = {}): EntryFields {
  const payload = spec.payload ?? "hello, reflex";
  return {
    tenantId: spec.tenantId ?? 1n,
    contextHash: spec.contextHash ?? 0xc0ffeen,
    timestamp: spec.timestamp ?? 1_700_000_000n,
    embedding: spec.embedding ?? new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
    payloadBlob: typeof payload === "string" ? utf8.encode(payload) : payload,
  };
}

/** `length` deterministic bytes that depend on `seed` (so two payloads of one length differ). */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let state = (seed * 2654435761) >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/** The entry's fields as plain values (bytes as number arrays), for `toEqual`. */
export function plain(entry: EntryFields): {
  tenantId: bigint;
  contextHash: bigint;
  timestamp: bigint;
  embedding: number[];
  payloadBlob: number[];
} {
  return {
    tenantId: entry.tenantId,
    contextHash: entry.contextHash,
    timestamp: entry.timestamp,
    embedding: Array.from(entry.embedding),
    payloadBlob: Array.from(entry.payloadBlob),
  };
}

/** True when both byte arrays hold the same bytes (fast for large arrays). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** A tiny deterministic PRNG (mulberry32). */
export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform u64. */
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }

  /** A u64 of a random magnitude (1 to 20 decimal digits), so ids of many lengths appear. */
  u64AnySize(): bigint {
    const bits = BigInt(1 + (this.u32() % 64));
    return this.u64() & ((1n << bits) - 1n);
  }
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
