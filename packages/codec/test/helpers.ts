// Shared test helpers for @reflex/codec: a seeded PRNG, entry generators and error probes.
import { isCodecError } from "../src/codec-error.ts";
import type { EntryFields } from "../src/entry.ts";
import { I64_MAX, I64_MIN, U64_MAX } from "../src/u64.ts";

/** A tiny deterministic PRNG (mulberry32): same seed, same sequence, on every machine. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** A uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.below(items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** A u64 biased towards the edges (0, 1, 2^64-1, powers of two) half of the time. */
  u64(): bigint {
    if (this.below(2) === 0) {
      return this.pick([0n, 1n, 0x7fn, 0x80n, U64_MAX, U64_MAX - 1n, 1n << 63n, (1n << 63n) - 1n, 1n << 32n]);
    }
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }

  /** An i64 biased towards the edges (0, -1, min, max, varint size boundaries) half of the time. */
  i64(): bigint {
    if (this.below(2) === 0) {
      return this.pick([0n, 1n, -1n, I64_MIN, I64_MAX, 127n, 128n, -128n, 1700000000n, 1n << 49n, -(1n << 49n)]);
    }
    return BigInt.asIntN(64, (BigInt(this.u32()) << 32n) | BigInt(this.u32()));
  }

  /** Bytes of a length that crosses the 1-, 2- and 3-byte length-varint sizes. */
  field(): Uint8Array {
    const length = this.pick([0, 0, 1, 2, 127, 128, 300, this.below(64), this.below(4096), 16384]);
    return this.bytes(length);
  }

  entry(): EntryFields {
    return {
      tenantId: this.u64(),
      contextHash: this.u64(),
      timestamp: this.i64(),
      embedding: this.field(),
      payloadBlob: this.field(),
    };
  }
}

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

/** The entry's fields as a plain object with plain byte arrays, for `toEqual` comparisons. */
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

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
