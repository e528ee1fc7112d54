// The write-ahead log on disk (format version 1):
//
//   <root>/.reflex-wal/<segment>.log       segments, a canonical decimal each, replayed in order
//
//   segment   = header record*
//   header    = "RFXW" u32 version u64 segment                                   (16 bytes)
//   record    = u32 magic u8 kind u8[3] 0 u32 bodyBytes u32 check u64 tenant u64 entry body
//   body      = the entry's envelope (put), nothing (delete, tenant deletion)
//
// All integers little-endian. `check` is the CRC-32 of the record header (its other 28
// bytes) and of the envelope's first 16 bytes, the ones the envelope's own checksum leaves
// out; the rest of the body is checked by the envelope's checksum. A record that fails
// either check, or runs past the end of the file, ends the segment: a torn tail is dropped.

/** The version of the log's format, in every segment's header; another version is refused. */
export const WAL_FORMAT_VERSION = 1;
/** Bytes of a segment header. */
export const SEGMENT_HEADER_BYTES = 16;
/** Bytes of a record header. */
export const RECORD_HEADER_BYTES = 32;

const SEGMENT_MAGIC = 0x57584652; // "RFXW"
const RECORD_MAGIC = 0x524c5752; // "RWLR"
const ENVELOPE_UNCHECKED_BYTES = 16; // the envelope's checksum starts at byte 16
const ENVELOPE_CHECKSUM_AT = 12;

/** What a record does. */
export type WalRecordKind = "put" | "delete" | "tenant";
const KIND_CODES: Record<WalRecordKind, number> = { put: 1, delete: 2, tenant: 3 };
const KINDS: readonly (WalRecordKind | undefined)[] = [undefined, "put", "delete", "tenant"];

/** One record, to append or read back (then a put's envelope is a view of the segment's bytes). */
export interface WalRecord {
  readonly kind: WalRecordKind;
  readonly tenantId: bigint;
  /** 0 for a tenant deletion. */
  readonly entryId: bigint;
  /** The envelope of a put; empty otherwise. */
  readonly envelope: Uint8Array;
}

/** The 16-byte header of segment number `segment`. */
export function encodeSegmentHeader(segment: number): Uint8Array {
  const bytes = new Uint8Array(SEGMENT_HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, SEGMENT_MAGIC, true);
  view.setUint32(4, WAL_FORMAT_VERSION, true);
  view.setBigUint64(8, BigInt(segment), true);
  return bytes;
}

/** The format version a segment's header names, or undefined when it is not a segment header (torn or foreign). */
export function segmentVersion(bytes: Uint8Array): number | undefined {
  if (bytes.byteLength < SEGMENT_HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(0, true) === SEGMENT_MAGIC ? view.getUint32(4, true) : undefined;
}

function headerCheck(record: Uint8Array, envelope: Uint8Array): number {
  const head = Bun.hash.crc32(record.subarray(0, 12));
  const tail = Bun.hash.crc32(record.subarray(16, RECORD_HEADER_BYTES), head);
  return Bun.hash.crc32(envelope.subarray(0, Math.min(ENVELOPE_UNCHECKED_BYTES, envelope.byteLength)), tail);
}

/** The bytes `record` takes in a segment: its header and its body. */
export function recordBytes(record: WalRecord): number {
  return RECORD_HEADER_BYTES + record.envelope.byteLength;
}

/**
 * Encodes `record` into `target` at `at` (`view` over the same bytes): its header, then its
 * body ({@link recordBytes} in all). The log encodes straight into its write buffer.
 */
export function encodeRecordInto(target: Uint8Array, view: DataView, at: number, record: WalRecord): void {
  const body = record.envelope;
  view.setUint32(at, RECORD_MAGIC, true);
  view.setUint32(at + 4, KIND_CODES[record.kind], true); // the kind, then three zero bytes
  view.setUint32(at + 8, body.byteLength, true);
  view.setBigUint64(at + 16, record.tenantId, true);
  view.setBigUint64(at + 24, record.entryId, true);
  view.setUint32(at + 12, headerCheck(target.subarray(at, at + RECORD_HEADER_BYTES), body), true);
  target.set(body, at + RECORD_HEADER_BYTES);
}

const NO_BODY = new Uint8Array(0);

/** A record to append: a put carries the entry's envelope; a delete and a tenant deletion nothing. */
export function walRecord(
  kind: WalRecordKind,
  tenantId: bigint,
  entryId: bigint,
  envelope: Uint8Array = NO_BODY,
): WalRecord {
  return { kind, tenantId, entryId, envelope };
}

/** One record as the bytes a segment holds (tests and tools; the log uses {@link encodeRecordInto}). */
export function encodeRecord(
  kind: WalRecordKind,
  tenantId: bigint,
  entryId: bigint,
  envelope?: Uint8Array,
): Uint8Array {
  const record = walRecord(kind, tenantId, entryId, envelope);
  const bytes = new Uint8Array(recordBytes(record));
  encodeRecordInto(bytes, new DataView(bytes.buffer), 0, record);
  return bytes;
}

/** True when a put's envelope is whole: its own checksum, over everything after its first 16 bytes. */
function envelopeIsWhole(envelope: Uint8Array): boolean {
  if (envelope.byteLength < ENVELOPE_UNCHECKED_BYTES + 16) return false;
  const view = new DataView(envelope.buffer, envelope.byteOffset, envelope.byteLength);
  return view.getUint32(ENVELOPE_CHECKSUM_AT, true) === Bun.hash.crc32(envelope.subarray(ENVELOPE_UNCHECKED_BYTES));
}

/**
 * The whole records of a segment's bytes (header included), in order, up to the first one
 * that is torn or damaged; `end` is the offset where the whole records stop.
 */
export function readRecords(segment: Uint8Array): { records: WalRecord[]; end: number } {
  const records: WalRecord[] = [];
  const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength);
  let at = SEGMENT_HEADER_BYTES;
  while (at + RECORD_HEADER_BYTES <= segment.byteLength) {
    if (view.getUint32(at, true) !== RECORD_MAGIC) break;
    const kind = KINDS[view.getUint8(at + 4)];
    const bodyBytes = view.getUint32(at + 8, true);
    const end = at + RECORD_HEADER_BYTES + bodyBytes;
    if (kind === undefined || end > segment.byteLength) break;
    const header = segment.subarray(at, at + RECORD_HEADER_BYTES);
    const envelope = segment.subarray(at + RECORD_HEADER_BYTES, end);
    if (view.getUint32(at + 12, true) !== headerCheck(header, envelope)) break;
    if (kind === "put" ? !envelopeIsWhole(envelope) : bodyBytes !== 0) break;
    records.push({
      kind,
      tenantId: view.getBigUint64(at + 16, true),
      entryId: view.getBigUint64(at + 24, true),
      envelope,
    });
    at = end;
  }
  return { records, end: at };
}
