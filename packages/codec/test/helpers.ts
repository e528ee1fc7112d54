// Test helpers of @reflex/codec: entries at the format's extremes and codec-error probes.
// Generic ones (plain, concat, seeded randomness, entry arbitraries) come from @reflex/testkit.
import { isCodecError } from "../src/codec-error.ts";
import type { EntryFields } from "../src/entry.ts";
import { I64_MAX, I64_MIN, U64_MAX } from "../src/u64.ts";

/** An entry with every field at its zero value: it encodes to an empty protobuf body. */
export const ZERO_ENTRY: EntryFields = {
  tenantId: 0n,
  contextHash: 0n,
  timestamp: 0n,
  embedding: new Uint8Array(0),
  payloadBlob: new Uint8Array(0),
};

/** Entries at the extremes of every field. */
export function extremeEntries(): EntryFields[] {
  const utf8 = new TextEncoder();
  const ids = [0n, 1n, U64_MAX, 1n << 63n, 0xdeadbeefcafef00dn];
  const timestamps = [0n, -1n, 1n, I64_MIN, I64_MAX, 1700000000n];
  const blobs = [new Uint8Array(0), new Uint8Array([0]), utf8.encode("hello, reflex"), new Uint8Array(300).fill(0xff)];
  const out: EntryFields[] = [ZERO_ENTRY];
  for (const tenantId of ids) {
    for (const timestamp of timestamps) {
      out.push({
        tenantId,
        contextHash: U64_MAX - tenantId,
        timestamp,
        embedding: blobs[out.length % blobs.length] ?? new Uint8Array(0),
        payloadBlob: blobs[(out.length + 1) % blobs.length] ?? new Uint8Array(0),
      });
    }
  }
  return out;
}

/**
 * Runs `fn` and says how it failed: the `CodecError` code, `"no error"`, or
 * `"not a codec error: ..."` for any other throw (which a test should never see).
 */
export function codecErrorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return describeError(error);
  }
  return "no error";
}

/** {@link codecErrorCode} for an async function. */
export async function asyncCodecErrorCode(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (error) {
    return describeError(error);
  }
  return "no error";
}

function describeError(error: unknown): string {
  if (isCodecError(error)) return error.code;
  return `not a codec error: ${String(error)}`;
}
