import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { GOLDEN_ENTRY_ID, goldenEntry } from "../test/golden-entry.ts";
import { codecErrorCode } from "../test/helpers.ts";
import {
  decodeEnvelope,
  ENVELOPE_HEADER_BYTES,
  ENVELOPE_V2_HEADER_BYTES,
  encodeEnvelope,
  FORMAT_VERSION,
  FORMAT_VERSION_EXPIRING,
  peekExpiresAt,
  readEnvelopeHeader,
} from "./envelope.ts";
import { I64_MAX } from "./u64.ts";

// Version 2: version 1 plus expires_at (i64 unix seconds) at offset 32 of a 40-byte header.

const GOLDEN_V2_PATH = new URL("../test/golden/entry-v2.bin", import.meta.url);
const GOLDEN_V2_EXPIRES_AT = 1_700_003_600n;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function expiringFile(expiresAt = 1_800_000_000n): Uint8Array {
  return encodeEnvelope(
    9n,
    {
      tenantId: 3n,
      contextHash: 5n,
      timestamp: 1_700_000_000n,
      embedding: new Uint8Array([1, 2]),
      payloadBlob: new TextEncoder().encode("expiring"),
    },
    expiresAt,
  );
}

describe("format version 2 (entries with an expiry)", () => {
  test("an entry with an expiry is written as version 2 with a 40-byte header and reads back", () => {
    const file = expiringFile();
    const header = readEnvelopeHeader(file);
    expect(header.version).toBe(FORMAT_VERSION_EXPIRING);
    expect(header.headerBytes).toBe(ENVELOPE_V2_HEADER_BYTES);
    expect(header.expiresAt).toBe(1_800_000_000n);
    const decoded = decodeEnvelope(file);
    expect(decoded.expiresAt).toBe(1_800_000_000n);
    expect(new TextDecoder().decode(decoded.entry.payloadBlob)).toBe("expiring");
    expect(decoded.entry.payloadBlob.buffer).toBe(file.buffer);
  });

  test("an entry without an expiry stays version 1, byte for byte", () => {
    const v1 = encodeEnvelope(GOLDEN_ENTRY_ID, goldenEntry());
    expect(encodeEnvelope(GOLDEN_ENTRY_ID, goldenEntry(), 0n)).toEqual(v1);
    expect(readEnvelopeHeader(v1).version).toBe(FORMAT_VERSION);
    expect(readEnvelopeHeader(v1).headerBytes).toBe(ENVELOPE_HEADER_BYTES);
    expect(decodeEnvelope(v1).expiresAt).toBe(0n);
  });

  test("the golden version-2 file is pinned byte for byte", () => {
    const golden = new Uint8Array(readFileSync(GOLDEN_V2_PATH));
    expect(encodeEnvelope(GOLDEN_ENTRY_ID, goldenEntry(), GOLDEN_V2_EXPIRES_AT)).toEqual(golden);
    expect(Buffer.from(golden.subarray(0, 8)).toString("hex")).toBe("52464c5802002800");
    expect(view(golden).getBigInt64(32, true)).toBe(GOLDEN_V2_EXPIRES_AT);
    expect(decodeEnvelope(golden).expiresAt).toBe(GOLDEN_V2_EXPIRES_AT);
  });

  test("extremes of expires_at round-trip; negative and non-bigint are refused on encode", () => {
    expect(decodeEnvelope(expiringFile(1n)).expiresAt).toBe(1n);
    expect(decodeEnvelope(expiringFile(I64_MAX)).expiresAt).toBe(I64_MAX);
    expect(codecErrorCode(() => expiringFile(-1n))).toBe("invalid_value");
    expect(codecErrorCode(() => expiringFile(I64_MAX + 1n))).toBe("invalid_value");
    expect(codecErrorCode(() => expiringFile(5 as unknown as bigint))).toBe("invalid_value");
  });

  test("every truncation and every flipped bit of a version-2 file is refused", () => {
    const file = expiringFile();
    for (let length = 0; length < file.byteLength; length++) {
      const code = codecErrorCode(() => decodeEnvelope(file.subarray(0, length)));
      expect(["truncated", "bad_magic"]).toContain(code);
    }
    for (let bit = 0; bit < file.byteLength * 8; bit++) {
      const damaged = file.slice();
      damaged[bit >> 3] = (damaged[bit >> 3] as number) ^ (1 << (bit & 7));
      expect(codecErrorCode(() => decodeEnvelope(damaged))).not.toBe("no error");
    }
  });

  test("a version-2 header length other than 40 is bad_header; a negative expiry with a valid checksum too", () => {
    const file = expiringFile();
    view(file).setUint16(6, 32, true);
    expect(codecErrorCode(() => decodeEnvelope(file))).toBe("bad_header");
    const negative = expiringFile();
    view(negative).setBigInt64(32, -5n, true);
    view(negative).setUint32(12, Bun.hash.crc32(negative.subarray(16)), true);
    expect(codecErrorCode(() => decodeEnvelope(negative))).toBe("bad_header");
  });
});

describe("peekExpiresAt", () => {
  test("reads the expiry from the header alone", () => {
    const v2 = expiringFile(1_900_000_000n);
    expect(peekExpiresAt(v2.subarray(0, ENVELOPE_V2_HEADER_BYTES))).toBe(1_900_000_000n);
    expect(peekExpiresAt(v2)).toBe(1_900_000_000n);
    const v1 = encodeEnvelope(GOLDEN_ENTRY_ID, goldenEntry());
    expect(peekExpiresAt(v1.subarray(0, ENVELOPE_V2_HEADER_BYTES))).toBe(0n);
  });

  test("is undefined for what is not a valid header", () => {
    const v2 = expiringFile();
    expect(peekExpiresAt(v2.subarray(0, 36))).toBeUndefined();
    expect(peekExpiresAt(new Uint8Array(40))).toBeUndefined();
    const relabelled = v2.slice();
    view(relabelled).setUint16(6, 32, true);
    expect(peekExpiresAt(relabelled)).toBeUndefined();
    const negative = v2.slice();
    view(negative).setBigInt64(32, -1n, true);
    expect(peekExpiresAt(negative)).toBeUndefined();
  });
});
