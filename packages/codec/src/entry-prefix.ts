import {
  ENVELOPE_HEADER_BYTES,
  ENVELOPE_MAGIC,
  ENVELOPE_V2_HEADER_BYTES,
  FORMAT_VERSION,
  FORMAT_VERSION_EXPIRING,
} from "./envelope.ts";

/** What an index needs of an entry, read from the first bytes of its file. */
export interface EntryPrefix {
  readonly tenantId: bigint;
  readonly entryId: bigint;
  readonly expiresAt: bigint;
  /** Size of the whole file, by its header. */
  readonly fileBytes: number;
  readonly contextHash: bigint;
  readonly timestamp: bigint;
  /** A view of the prefix. */
  readonly embedding: Uint8Array;
}

/** The prefix is too short: read this many bytes of the file and peek again. */
export interface PrefixShort {
  readonly needBytes: number;
}

const TAG_TENANT_ID = 0x09;
const TAG_CONTEXT_HASH = 0x11;
const TAG_TIMESTAMP = 0x18;
const TAG_EMBEDDING = 0x22;

/**
 * The lookup fields of an entry file (tenant, id, expiry, context hash, timestamp,
 * embedding) from its first bytes, without reading the payload: the body is walked
 * field by field in the order this codec writes them (1, 2, 3, 4) up to the
 * embedding. Not a verification (the checksum covers the whole file): undefined when
 * the bytes do not look like that (another order, unknown fields, a bad header), and
 * the caller reads and verifies the whole file instead.
 */
export function peekEntryPrefix(prefix: Uint8Array): EntryPrefix | PrefixShort | undefined {
  if (prefix.byteLength < ENVELOPE_V2_HEADER_BYTES) return undefined;
  for (let i = 0; i < 4; i++) if (prefix[i] !== ENVELOPE_MAGIC[i]) return undefined;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const version = view.getUint16(4, true);
  const headerBytes = view.getUint16(6, true);
  if (version === FORMAT_VERSION ? headerBytes !== ENVELOPE_HEADER_BYTES : version !== FORMAT_VERSION_EXPIRING) {
    return undefined;
  }
  if (version === FORMAT_VERSION_EXPIRING && headerBytes !== ENVELOPE_V2_HEADER_BYTES) return undefined;
  const fileBytes = headerBytes + view.getUint32(8, true);
  const tenantId = view.getBigUint64(16, true);
  const entryId = view.getBigUint64(24, true);
  const expiresAt = version === FORMAT_VERSION ? 0n : view.getBigInt64(32, true);
  if (expiresAt < 0n) return undefined;
  let pos = headerBytes;
  let bodyTenant = 0n;
  let contextHash = 0n;
  let timestamp = 0n;
  const end = Math.min(prefix.byteLength, fileBytes);
  let lastTag = 0;
  while (pos < end) {
    const tag = prefix[pos] as number;
    if (tag <= lastTag) return undefined; // not in the order this codec writes
    lastTag = tag;
    pos++;
    if (tag === TAG_TENANT_ID || tag === TAG_CONTEXT_HASH) {
      if (pos + 8 > end) return { needBytes: Math.min(fileBytes, pos + 8) };
      const value = view.getBigUint64(pos, true);
      if (tag === TAG_TENANT_ID) bodyTenant = value;
      else contextHash = value;
      pos += 8;
    } else if (tag === TAG_TIMESTAMP || tag === TAG_EMBEDDING) {
      let value = 0n;
      let shift = 0n;
      for (;;) {
        if (pos >= end) return pos >= fileBytes ? undefined : { needBytes: Math.min(fileBytes, pos + 16) };
        const byte = prefix[pos++] as number;
        value |= BigInt(byte & 0x7f) << shift;
        shift += 7n;
        if (byte < 0x80) break;
        if (shift > 63n) return undefined;
      }
      if (tag === TAG_TIMESTAMP) {
        timestamp = BigInt.asIntN(64, value);
        continue;
      }
      const length = Number(value);
      if (pos + length > fileBytes) return undefined;
      if (pos + length > prefix.byteLength) return { needBytes: pos + length };
      if (bodyTenant !== tenantId) return undefined;
      return {
        tenantId,
        entryId,
        expiresAt,
        fileBytes,
        contextHash,
        timestamp,
        embedding: prefix.subarray(pos, pos + length),
      };
    } else return undefined; // the payload (or an unknown field) before any embedding: read it all
  }
  return undefined;
}
