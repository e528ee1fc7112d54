import { create, fromBinary, toJson } from "@bufbuild/protobuf";
import { CodecError } from "./codec-error.ts";
import type { EntryFields } from "./entry.ts";
import {
  assertEntryFields,
  entryBodySize,
  expiresAtFieldSize,
  varintSize,
  writeEntryBody,
  writeExpiresAtField,
  writeVarint,
} from "./entry-wire.ts";
import { type BatchGetResponseJson, BatchGetResponseSchema, DamagedEntrySchema } from "./gen/reflex/v1/batch_get_pb.ts";
import { CacheEntrySchema } from "./gen/reflex/v1/cache_entry_pb.ts";
import { DumpRecordSchema } from "./gen/reflex/v1/dump_record_pb.ts";
import { assertI64, assertU64 } from "./u64.ts";
import { uninitializedBytes } from "./uninitialized-bytes.ts";

export type { BatchGetResponseJson } from "./gen/reflex/v1/batch_get_pb.ts";

/** One entry of a batch answer, with the id it is stored under. */
export interface BatchEntry {
  readonly entryId: bigint;
  readonly entry: EntryFields;
  /**
   * The entry's `reflex.v1.CacheEntry` encoding when the caller holds it verified (an
   * entry file's body): written as it is instead of encoding `entry` again.
   */
  readonly encoded?: Uint8Array;
  /**
   * Unix seconds after which the entry is gone (0: never), when the caller knows it (a
   * loaded entry): written as the entry's `expires_at`, as GET entry answers it.
   */
  readonly expiresAt?: bigint;
}

/** An id of a batch whose stored entry failed its checks, and why (the codec's damage code). */
export interface DamagedId {
  readonly entryId: bigint;
  readonly reason: string;
}

const TAG_ENTRIES = (1 << 3) | 2;
const TAG_MISSING = (2 << 3) | 2; // packed fixed64
const TAG_DAMAGED = (3 << 3) | 2;
const TAG_DAMAGED_REASON = (2 << 3) | 2;
const TAG_RECORD_ID = (1 << 3) | 1;
const TAG_RECORD_ENTRY = (2 << 3) | 2;

/**
 * The binary `reflex.v1.BatchGetResponse`: exactly the bytes protobuf-es `toBinary`
 * writes, but written directly from the entries' views (or their `encoded` bytes) in
 * one buffer (the server's batch route encodes up to 1,000 entries per request).
 */
export function encodeBatchGetResponse(
  entries: readonly BatchEntry[],
  missing: readonly bigint[],
  damaged: readonly DamagedId[] = [],
): Uint8Array {
  const bodySizes = new Array<number>(entries.length);
  const recordSizes = new Array<number>(entries.length);
  let size = 0;
  for (const [i, { entryId, entry, encoded, expiresAt = 0n }] of entries.entries()) {
    assertU64(entryId, "entry id");
    assertI64(expiresAt, "expires_at");
    if (encoded === undefined) assertEntryFields(entry);
    const body = (encoded === undefined ? entryBodySize(entry) : encoded.byteLength) + expiresAtFieldSize(expiresAt);
    const record = (entryId === 0n ? 0 : 9) + 1 + varintSize(body) + body;
    bodySizes[i] = body;
    recordSizes[i] = record;
    size += 1 + varintSize(record) + record;
  }
  for (const id of missing) assertU64(id, "missing id");
  if (missing.length > 0) size += 1 + varintSize(missing.length * 8) + missing.length * 8;
  const damagedRecords = damaged.map(({ entryId, reason }) => {
    assertU64(entryId, "damaged id");
    const text = new TextEncoder().encode(reason);
    const record =
      (entryId === 0n ? 0 : 9) + (text.byteLength === 0 ? 0 : 1 + varintSize(text.byteLength) + text.byteLength);
    size += 1 + varintSize(record) + record;
    return { entryId, text, record };
  });
  const bytes = uninitializedBytes(size); // every byte is written below (checked at the end)
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const [i, { entryId, entry, encoded, expiresAt = 0n }] of entries.entries()) {
    bytes[offset++] = TAG_ENTRIES;
    offset = writeVarint(bytes, offset, recordSizes[i] as number);
    if (entryId !== 0n) {
      bytes[offset++] = TAG_RECORD_ID;
      view.setBigUint64(offset, entryId, true);
      offset += 8;
    }
    bytes[offset++] = TAG_RECORD_ENTRY;
    offset = writeVarint(bytes, offset, bodySizes[i] as number);
    if (encoded === undefined) {
      offset = writeEntryBody(entry, bytes, offset);
    } else {
      bytes.set(encoded, offset);
      offset += encoded.byteLength;
    }
    offset = writeExpiresAtField(bytes, offset, expiresAt);
  }
  if (missing.length > 0) {
    bytes[offset++] = TAG_MISSING;
    offset = writeVarint(bytes, offset, missing.length * 8);
    for (const id of missing) {
      view.setBigUint64(offset, id, true);
      offset += 8;
    }
  }
  for (const { entryId, text, record } of damagedRecords) {
    bytes[offset++] = TAG_DAMAGED;
    offset = writeVarint(bytes, offset, record);
    if (entryId !== 0n) {
      bytes[offset++] = TAG_RECORD_ID;
      view.setBigUint64(offset, entryId, true);
      offset += 8;
    }
    if (text.byteLength > 0) {
      bytes[offset++] = TAG_DAMAGED_REASON;
      offset = writeVarint(bytes, offset, text.byteLength);
      bytes.set(text, offset);
      offset += text.byteLength;
    }
  }
  if (offset !== size) throw new Error(`batch answer sized ${size} bytes but ${offset} written`); // a bug, never input
  return bytes;
}

/** The protobuf JSON mapping of a `reflex.v1.BatchGetResponse` (every entry field present). */
export function batchGetResponseToJson(
  entries: readonly BatchEntry[],
  missing: readonly bigint[],
  damaged: readonly DamagedId[] = [],
): BatchGetResponseJson {
  const message = create(BatchGetResponseSchema, {
    entries: entries.map(({ entryId, entry, expiresAt = 0n }) => {
      const { tenantId, contextHash, timestamp, embedding, payloadBlob } = entry;
      const fields = { tenantId, contextHash, timestamp, embedding, payloadBlob, expiresAt };
      return create(DumpRecordSchema, { entryId, entry: create(CacheEntrySchema, fields) });
    }),
    missing: [...missing],
    damaged: damaged.map(({ entryId, reason }) => create(DamagedEntrySchema, { entryId, reason })),
  });
  const json = toJson(BatchGetResponseSchema, message, { alwaysEmitImplicit: true }) as BatchGetResponseJson;
  // `expiresAt` is in the output only where the caller knows it (a loaded entry): "0" never.
  for (const [i, record] of (json.entries ?? []).entries()) {
    if (entries[i]?.expiresAt === undefined) delete (record.entry as { expiresAt?: string } | undefined)?.expiresAt;
  }
  return json;
}

/**
 * Reads a binary `reflex.v1.BatchGetResponse` (what a client of the batch route gets):
 * `invalid_value` when the bytes do not decode or a record lacks its entry.
 */
export function decodeBatchGetResponse(bytes: Uint8Array): {
  entries: BatchEntry[];
  missing: bigint[];
  damaged: DamagedId[];
} {
  let message: ReturnType<typeof fromBinary<typeof BatchGetResponseSchema>>;
  try {
    message = fromBinary(BatchGetResponseSchema, bytes);
  } catch (error) {
    throw new CodecError("invalid_value", `not a reflex.v1.BatchGetResponse: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const entries = message.entries.map(({ entryId, entry }) => {
    if (entry === undefined) throw new CodecError("invalid_value", `batch record ${entryId} has no entry`);
    const { tenantId, contextHash, timestamp, embedding, payloadBlob, expiresAt } = entry;
    return { entryId, entry: { tenantId, contextHash, timestamp, embedding, payloadBlob }, expiresAt };
  });
  const damaged = message.damaged.map(({ entryId, reason }) => ({ entryId, reason }));
  return { entries, missing: message.missing, damaged };
}
