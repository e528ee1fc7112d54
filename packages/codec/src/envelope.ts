import { CodecError } from "./codec-error.ts";
import type { EntryFields } from "./entry.ts";
import { assertEntryFields, decodeEntryBody, entryBodySize, writeEntryBody } from "./entry-wire.ts";
import { readI64, readU16, readU32, readU64 } from "./le-bytes.ts";
import { assertI64, assertU64 } from "./u64.ts";

// The file envelope. All integers little-endian.
//
//   offset size field
//        0    4 magic "RFLX"
//        4    2 format version (1 or 2)
//        6    2 header length in bytes (32 for version 1, 40 for version 2)
//        8    4 body length in bytes
//       12    4 CRC-32 (IEEE) of every byte from offset 16 to the end of the body
//       16    8 tenant_id
//       24    8 entry_id
//       32    8 expires_at, unix seconds, i64 (version 2 only)
//   header    - body: protobuf reflex.v1.CacheEntry
//
// Version 2 only adds expires_at. An entry that never expires is written as
// version 1, byte for byte what version-1 code wrote; one with an expiry as
// version 2. Both are read. The file is exactly header length + body length bytes: anything shorter is
// truncated, anything longer has trailing bytes. Fields before offset 16 are
// outside the checksum, so each is validated on its own.

/** The four bytes every entry file starts with: ASCII "RFLX". */
export const ENVELOPE_MAGIC = new Uint8Array([0x52, 0x46, 0x4c, 0x58]);
/** The format version of entries without an expiry (the original format). */
export const FORMAT_VERSION = 1;
/** The format version of entries with an expiry: version 1 plus `expires_at` in the header. */
export const FORMAT_VERSION_EXPIRING = 2;
/** Size of the version-1 header. */
export const ENVELOPE_HEADER_BYTES = 32;
/** Size of the version-2 header. */
export const ENVELOPE_V2_HEADER_BYTES = 40;
/** Bytes to read to see any supported header whole (the largest header). */
export const MAX_ENVELOPE_HEADER_BYTES = ENVELOPE_V2_HEADER_BYTES;
/** Largest body a version-1 envelope can hold (the body length is a u32). */
export const MAX_BODY_BYTES = 0xffff_ffff;

const CHECKSUM_START = 16;

/** What the header says, readable without decoding the body. */
export interface EnvelopeHeader {
  readonly version: number;
  readonly headerBytes: number;
  readonly bodyBytes: number;
  readonly checksum: number;
  readonly tenantId: bigint;
  readonly entryId: bigint;
  /** Unix seconds after which the entry is gone; 0 when it never expires (always 0 in version 1). */
  readonly expiresAt: bigint;
}

/** A decoded and verified entry file. The entry's bytes fields are views of the input. */
export interface DecodedEnvelope {
  readonly entryId: bigint;
  readonly entry: EntryFields;
  /** Unix seconds after which the entry is gone; 0 when it never expires. */
  readonly expiresAt: bigint;
}

/**
 * Encodes one entry file: header plus protobuf body, checksummed. With an
 * `expiresAt` (unix seconds, > 0) the file is version 2, otherwise version 1.
 *
 * @example
 * const file = encodeEnvelope(42n, { tenantId: 1n, contextHash: 7n, timestamp: 1700000000n,
 *   embedding: new Uint8Array(1536), payloadBlob: new TextEncoder().encode("hi") });
 */
export function encodeEnvelope(entryId: bigint, entry: EntryFields, expiresAt = 0n): Uint8Array {
  assertU64(entryId, "entry id");
  assertEntryFields(entry);
  assertI64(expiresAt, "expires_at");
  if (expiresAt < 0n) throw new CodecError("invalid_value", `expires_at ${expiresAt} is negative`);
  const headerBytes = expiresAt === 0n ? ENVELOPE_HEADER_BYTES : ENVELOPE_V2_HEADER_BYTES;
  const bodyBytes = entryBodySize(entry);
  if (bodyBytes > MAX_BODY_BYTES) {
    throw new CodecError("too_large", `entry body of ${bodyBytes} bytes exceeds ${MAX_BODY_BYTES}`);
  }
  const file = new Uint8Array(headerBytes + bodyBytes);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  file.set(ENVELOPE_MAGIC, 0);
  view.setUint16(4, expiresAt === 0n ? FORMAT_VERSION : FORMAT_VERSION_EXPIRING, true);
  view.setUint16(6, headerBytes, true);
  view.setUint32(8, bodyBytes, true);
  view.setBigUint64(16, entry.tenantId, true);
  view.setBigUint64(24, entryId, true);
  if (expiresAt !== 0n) view.setBigInt64(32, expiresAt, true);
  writeEntryBody(entry, file, headerBytes);
  view.setUint32(12, Bun.hash.crc32(file.subarray(CHECKSUM_START)), true);
  return file;
}

/**
 * Reads and validates the fixed fields of the header (magic, version, lengths) and
 * returns them. It does not check the checksum: {@link decodeEnvelope} does.
 */
export function readEnvelopeHeader(file: Uint8Array): EnvelopeHeader {
  if (file.byteLength < 4) {
    throw new CodecError("truncated", `file of ${file.byteLength} bytes is shorter than the magic`);
  }
  if (
    file[0] !== ENVELOPE_MAGIC[0] ||
    file[1] !== ENVELOPE_MAGIC[1] ||
    file[2] !== ENVELOPE_MAGIC[2] ||
    file[3] !== ENVELOPE_MAGIC[3]
  ) {
    throw new CodecError("bad_magic", "file does not start with the RFLX magic");
  }
  if (file.byteLength < 8) {
    throw new CodecError("truncated", `file of ${file.byteLength} bytes is shorter than the header`);
  }
  const version = readU16(file, 4);
  if (version !== FORMAT_VERSION && version !== FORMAT_VERSION_EXPIRING) {
    throw new CodecError(
      "unsupported_version",
      `format version ${version} is not supported (this code reads ${FORMAT_VERSION} and ${FORMAT_VERSION_EXPIRING})`,
    );
  }
  const headerBytes = readU16(file, 6);
  const expectedHeader = version === FORMAT_VERSION ? ENVELOPE_HEADER_BYTES : ENVELOPE_V2_HEADER_BYTES;
  if (headerBytes !== expectedHeader) {
    throw new CodecError("bad_header", `header length ${headerBytes} is not ${expectedHeader} for version ${version}`);
  }
  if (file.byteLength < headerBytes) {
    throw new CodecError("truncated", `file of ${file.byteLength} bytes is shorter than the header`);
  }
  const bodyBytes = readU32(file, 8);
  const expected = headerBytes + bodyBytes;
  if (file.byteLength < expected) {
    throw new CodecError("truncated", `file is ${file.byteLength} bytes, header says ${expected}`);
  }
  if (file.byteLength > expected) {
    throw new CodecError("trailing_bytes", `file is ${file.byteLength} bytes, header says ${expected}`);
  }
  return {
    version,
    headerBytes,
    bodyBytes,
    checksum: readU32(file, 12),
    tenantId: readU64(file, 16),
    entryId: readU64(file, 24),
    expiresAt: version === FORMAT_VERSION ? 0n : readI64(file, 32),
  };
}

/**
 * Verifies and decodes one entry file. Every failure is a {@link CodecError} whose
 * code names the damage; a success never returns bytes that failed the checksum.
 * The entry's `embedding` and `payloadBlob` are views of `file` (zero-copy).
 */
export function decodeEnvelope(file: Uint8Array): DecodedEnvelope {
  const header = readEnvelopeHeader(file);
  const actual = Bun.hash.crc32(file.subarray(CHECKSUM_START));
  if (actual !== header.checksum) {
    throw new CodecError(
      "checksum_mismatch",
      `checksum ${actual.toString(16)} does not match header ${header.checksum.toString(16)}`,
    );
  }
  if (header.expiresAt < 0n) throw new CodecError("bad_header", `expires_at ${header.expiresAt} is negative`);
  const entry = decodeEntryBody(file, header.headerBytes);
  if (entry.tenantId !== header.tenantId) {
    throw new CodecError(
      "header_mismatch",
      `body tenant ${entry.tenantId} differs from header tenant ${header.tenantId}`,
    );
  }
  return { entryId: header.entryId, entry, expiresAt: header.expiresAt };
}

/**
 * The body of an envelope that {@link decodeEnvelope} has verified: the protobuf
 * `reflex.v1.CacheEntry` bytes after the header, as a view (no copy, no check).
 */
export function envelopeBody(file: Uint8Array): Uint8Array {
  return file.subarray((file[6] as number) | ((file[7] as number) << 8));
}

/**
 * The `expires_at` of an entry file from its first bytes alone (at least
 * {@link MAX_ENVELOPE_HEADER_BYTES} of them, or the whole file if shorter): 0 for a
 * version-1 file, undefined when the prefix is not a valid header. Not a verification:
 * a load still checks the whole file.
 */
export function peekExpiresAt(prefix: Uint8Array): bigint | undefined {
  if (prefix.byteLength < ENVELOPE_HEADER_BYTES) return undefined;
  for (let i = 0; i < 4; i++) if (prefix[i] !== ENVELOPE_MAGIC[i]) return undefined;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const version = view.getUint16(4, true);
  if (version === FORMAT_VERSION) return view.getUint16(6, true) === ENVELOPE_HEADER_BYTES ? 0n : undefined;
  if (version !== FORMAT_VERSION_EXPIRING || prefix.byteLength < ENVELOPE_V2_HEADER_BYTES) return undefined;
  if (view.getUint16(6, true) !== ENVELOPE_V2_HEADER_BYTES) return undefined;
  const expiresAt = view.getBigInt64(32, true);
  return expiresAt < 0n ? undefined : expiresAt;
}
