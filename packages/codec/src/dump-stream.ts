import { create } from "@bufbuild/protobuf";
import { sizeDelimitedDecodeStream, sizeDelimitedEncode } from "@bufbuild/protobuf/wire";
import { CodecError } from "./codec-error.ts";
import type { EntryFields } from "./entry.ts";
import { assertEntryFields } from "./entry-wire.ts";
import { CacheEntrySchema } from "./gen/reflex/v1/cache_entry_pb.ts";
import { DumpRecordSchema } from "./gen/reflex/v1/dump_record_pb.ts";
import { assertU64 } from "./u64.ts";

/** One record of an export dump: an entry, the id it is stored under, and its expiry. */
export interface DumpEntry {
  readonly entryId: bigint;
  readonly entry: EntryFields;
  /** Unix seconds after which the entry was gone where it was exported from; 0 never (or a dump without it). */
  readonly expiresAt: bigint;
}

/** Default largest record {@link decodeDumpStream} accepts: 1 GiB. */
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024 * 1024;

/**
 * Encodes one dump record, size-delimited (varint length, then a protobuf
 * `reflex.v1.DumpRecord`). A dump is these records concatenated. The entry's `expiresAt`
 * (a loaded handle has one) goes in the record's `expires_at`; absent or 0: never.
 */
export function encodeDumpRecord(entryId: bigint, entry: EntryFields & { readonly expiresAt?: bigint }): Uint8Array {
  assertU64(entryId, "entry id");
  assertEntryFields(entry);
  const { tenantId, contextHash, timestamp, embedding, payloadBlob } = entry;
  const fields = { tenantId, contextHash, timestamp, embedding, payloadBlob, expiresAt: entry.expiresAt ?? 0n };
  return sizeDelimitedEncode(
    DumpRecordSchema,
    create(DumpRecordSchema, { entryId, entry: create(CacheEntrySchema, fields) }),
  );
}

/** Options of {@link decodeDumpStream}. */
export interface DecodeDumpOptions {
  /** Largest record accepted, in bytes; a larger one is a `too_large` error. */
  readonly maxRecordBytes?: number;
}

/**
 * Decodes a dump from a stream of byte chunks, one record at a time, so a dump
 * larger than memory can be read. Fails with `malformed_stream` on a record that
 * does not decode, lacks its entry, has a negative expires_at, or is cut off at the end; an error of the input
 * stream itself is rethrown as it is.
 */
export async function* decodeDumpStream(
  chunks: AsyncIterable<Uint8Array>,
  options: DecodeDumpOptions = {},
): AsyncGenerator<DumpEntry> {
  const readMaxBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  // Errors of the input itself (a failing disk, a closed pipe) pass through unchanged:
  // only what the decoder says about the bytes becomes a CodecError.
  const inputErrors = new WeakSet<object>();
  async function* tracked(): AsyncGenerator<Uint8Array> {
    try {
      yield* chunks;
    } catch (error) {
      if (typeof error === "object" && error !== null) inputErrors.add(error);
      throw error;
    }
  }
  let index = 0;
  try {
    for await (const record of sizeDelimitedDecodeStream(DumpRecordSchema, tracked(), { readMaxBytes })) {
      if (record.entry === undefined) {
        throw new CodecError("malformed_stream", `dump record ${index} has no entry`);
      }
      const { tenantId, contextHash, timestamp, embedding, payloadBlob, expiresAt } = record.entry;
      if (expiresAt < 0n)
        throw new CodecError("malformed_stream", `dump record ${index} has expires_at ${expiresAt} < 0`);
      yield { entryId: record.entryId, entry: { tenantId, contextHash, timestamp, embedding, payloadBlob }, expiresAt };
      index++;
    }
  } catch (error) {
    if (error instanceof CodecError) throw error;
    if (typeof error === "object" && error !== null && inputErrors.has(error)) throw error;
    const message = (error as Error).message;
    const code = /larger than configured readMaxBytes/.test(message) ? "too_large" : "malformed_stream";
    throw new CodecError(code, `dump record ${index}: ${message}`, { cause: error });
  }
}
