import { fromBinary } from "@bufbuild/protobuf";
import {
  decodeBatchGetResponse,
  decodeEntryBody,
  type EntryFields,
  encodeEntryBody,
  entryFromJson,
  entryToJson,
  SearchResponseSchema,
} from "@reflex/codec";
import { ReflexClientError } from "./client-error.ts";
import type { BatchGetResult, Entry, EntryInput, SearchHit, WireEncoding } from "./types.ts";

/** The media type of binary protobuf bodies. */
export const PROTOBUF = "application/x-protobuf";
/** The media type of JSON bodies. */
export const JSON_TYPE = "application/json";

/** The full fields of `input` under `tenant`. */
export function entryFields(tenant: bigint, input: EntryInput): EntryFields {
  return {
    tenantId: tenant,
    contextHash: input.contextHash ?? 0n,
    timestamp: input.timestamp ?? 0n,
    embedding: input.embedding ?? new Uint8Array(0),
    payloadBlob: input.payloadBlob,
  };
}

/** A PUT body: protobuf bytes or the protobuf JSON mapping. */
export function encodePutBody(fields: EntryFields, encoding: "json" | "protobuf"): Uint8Array | string {
  return encoding === "protobuf" ? encodeEntryBody(fields) : JSON.stringify(entryToJson(fields));
}

/** Wraps a decode failure of an answer as `bad_response`. */
export function readAnswer<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    throw new ReflexClientError("bad_response", 200, `${what}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Reads an answer's body in `encoding` and decodes it with `ofProtobuf` or `ofJson`; a body
 * that does not decode is a `bad_response` naming `what` (see {@link readAnswer}).
 */
export async function decodeAnswer<T>(
  response: Response,
  encoding: WireEncoding,
  what: string,
  ofProtobuf: (bytes: Uint8Array) => T,
  ofJson: (json: unknown) => T,
): Promise<T> {
  if (encoding === "protobuf") {
    const bytes = new Uint8Array(await response.arrayBuffer());
    return readAnswer(what, () => ofProtobuf(bytes));
  }
  const json: unknown = await response.json();
  return readAnswer(what, () => ofJson(json));
}

/** An entry from its JSON answer (`expiresAt` a decimal string, "0": never). */
export function entryOfJson(json: unknown): Entry {
  const fields = entryFromJson(json);
  const expiresAt = (json as { expiresAt?: unknown }).expiresAt;
  return { ...fields, expiresAt: typeof expiresAt === "string" ? BigInt(expiresAt) : 0n };
}

/**
 * An entry from its protobuf answer: a `reflex.v1.CacheEntry` whose `expires_at` (field 6,
 * varint) is set when the entry expires. `decodeEntryBody` reads the other fields and skips
 * field 6, so it is found here by walking the top-level fields.
 */
export function entryOfProtobuf(bytes: Uint8Array): Entry {
  return { ...decodeEntryBody(bytes), expiresAt: readExpiresAt(bytes) };
}

function readVarint(bytes: Uint8Array, at: { pos: number }): bigint {
  let value = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    const byte = bytes[at.pos++];
    if (byte === undefined) throw new Error("varint runs past the end");
    value |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return value;
    shift += 7n;
  }
  throw new Error("varint longer than 10 bytes");
}

/** Field 6 of a CacheEntry encoding (the last one wins, as protobuf merges); 0n when absent. */
export function readExpiresAt(bytes: Uint8Array): bigint {
  const at = { pos: 0 };
  let expiresAt = 0n;
  while (at.pos < bytes.byteLength) {
    const tag = Number(readVarint(bytes, at));
    const wire = tag & 7;
    if (wire === 0) {
      const value = readVarint(bytes, at);
      if (tag >>> 3 === 6) expiresAt = BigInt.asIntN(64, value);
    } else if (wire === 1) at.pos += 8;
    else if (wire === 5) at.pos += 4;
    else if (wire === 2) {
      const length = Number(readVarint(bytes, at)); // read first: `at.pos += f()` would add to the old pos
      at.pos += length;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return expiresAt;
}

/** Base64 of `bytes` (the JSON mapping of protobuf bytes). */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** The hits of a binary `reflex.v1.SearchResponse` (a hit's entry carries its `expires_at`). */
export function searchHitsOfProtobuf(bytes: Uint8Array): SearchHit[] {
  return fromBinary(SearchResponseSchema, bytes).hits.map((hit) => ({
    id: hit.id,
    similarity: hit.similarity,
    timestamp: hit.timestamp,
    contextHash: hit.contextHash,
    ...(hit.entry === undefined ? {} : { entry: hit.entry }),
  }));
}

/** The hits of a JSON search answer. */
export function searchHitsOfJson(json: unknown): SearchHit[] {
  const { hits } = json as {
    hits: { id: string; similarity: number; timestamp: string; contextHash: string; entry?: unknown }[];
  };
  return hits.map((hit) => ({
    id: BigInt(hit.id),
    similarity: hit.similarity,
    timestamp: BigInt(hit.timestamp),
    contextHash: BigInt(hit.contextHash),
    ...(hit.entry === undefined ? {} : { entry: entryOfJson(hit.entry) }),
  }));
}

/** The answer of a binary batch-get (`reflex.v1.BatchGetResponse`), each entry with its `expiresAt`. */
export function batchGetOfProtobuf(bytes: Uint8Array): BatchGetResult {
  const decoded = decodeBatchGetResponse(bytes);
  const entries = decoded.entries.map((e) => ({ id: e.entryId, entry: { ...e.entry, expiresAt: e.expiresAt ?? 0n } }));
  const damaged = decoded.damaged.map((d) => ({ id: d.entryId, reason: d.reason }));
  return { entries, missing: decoded.missing, damaged };
}

/** The answer of a JSON batch-get. */
export function batchGetOfJson(json: unknown): BatchGetResult {
  const body = json as {
    entries: { entryId: string; entry: unknown }[];
    missing: string[];
    damaged?: { entryId: string; reason: string }[];
  };
  return {
    entries: body.entries.map((e) => ({ id: BigInt(e.entryId), entry: entryOfJson(e.entry) })),
    missing: body.missing.map(BigInt),
    damaged: (body.damaged ?? []).map((d) => ({ id: BigInt(d.entryId), reason: d.reason })),
  };
}
