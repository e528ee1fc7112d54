import { create, fromJson, toJson } from "@bufbuild/protobuf";
import { CodecError } from "./codec-error.ts";
import type { EntryFields } from "./entry.ts";
import { assertEntryFields } from "./entry-wire.ts";
import { type CacheEntryJson, CacheEntrySchema } from "./gen/reflex/v1/cache_entry_pb.ts";
import { parseI64, parseU64 } from "./u64.ts";

export type { CacheEntryJson } from "./gen/reflex/v1/cache_entry_pb.ts";

const U64_FIELDS = [
  ["tenantId", "tenant_id"],
  ["contextHash", "context_hash"],
] as const;
const I64_FIELDS = [["timestamp", "timestamp"]] as const;

/**
 * The protobuf JSON form of an entry: u64/i64 as decimal strings, bytes as base64,
 * every field present (zeros and empty bytes included) so the shape is stable.
 * With `expiresAt` (from the entry's envelope header), also `expiresAt` ("0": never).
 * `entryFromJson` ignores `expiresAt`: an expiry comes from the write's TTL.
 *
 * @example entryToJson(entry) // { tenantId: "1", contextHash: "7", timestamp: "1700000000", embedding: "", payloadBlob: "aGk=" }
 */
export function entryToJson(entry: EntryFields, expiresAt?: bigint): CacheEntryJson {
  assertEntryFields(entry);
  const { tenantId, contextHash, timestamp, embedding, payloadBlob } = entry;
  const json = toJson(
    CacheEntrySchema,
    create(CacheEntrySchema, { tenantId, contextHash, timestamp, embedding, payloadBlob }),
    {
      alwaysEmitImplicit: true,
    },
  ) as CacheEntryJson;
  // `expiresAt` is in the output only when the caller knows it (a loaded entry): "0" never.
  if (expiresAt === undefined) delete json.expiresAt;
  else json.expiresAt = expiresAt.toString();
  return json;
}

function checkDecimalField(
  record: Record<string, unknown>,
  names: readonly string[],
  parse: (text: string, what: string) => bigint,
): void {
  for (const name of names) {
    const value = record[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") {
      throw new CodecError(
        "invalid_json",
        `${name} must be a decimal string (64-bit integers are strings in JSON), got ${typeof value}`,
      );
    }
    parse(value, name);
  }
}

/**
 * Parses the protobuf JSON form of an entry (camelCase or snake_case names).
 * 64-bit integers must be decimal strings: a JSON number could already have been
 * rounded by the parser, so it is refused rather than trusted. Unknown fields are
 * refused. Every failure is a `CodecError` with code `invalid_json` or `invalid_value`.
 */
export function entryFromJson(json: unknown): EntryFields {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new CodecError("invalid_json", "an entry must be a JSON object");
  }
  const record = json as Record<string, unknown>;
  try {
    for (const [camel, snake] of U64_FIELDS) checkDecimalField(record, [camel, snake], parseU64);
    for (const [camel, snake] of I64_FIELDS) checkDecimalField(record, [camel, snake], parseI64);
  } catch (error) {
    if (error instanceof CodecError && error.code === "invalid_value") {
      throw new CodecError("invalid_json", error.message);
    }
    throw error;
  }
  let message: EntryFields;
  try {
    message = fromJson(CacheEntrySchema, record as never);
  } catch (error) {
    throw new CodecError("invalid_json", `bad entry JSON: ${(error as Error).message}`);
  }
  return {
    tenantId: message.tenantId,
    contextHash: message.contextHash,
    timestamp: message.timestamp,
    embedding: message.embedding,
    payloadBlob: message.payloadBlob,
  };
}
