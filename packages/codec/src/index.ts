/**
 * `@reflex/codec`: the wire format of Reflex store.
 *
 * - the entry fields (`reflex.v1.CacheEntry`, whose generated code in `src/gen/` stays inside),
 * - the versioned, checksummed file envelope every entry file is written in,
 * - the protobuf JSON mapping for humans and HTTP,
 * - size-delimited dump streams for export and import,
 * - the search request and response messages (`reflex.v1.SearchRequest`, `SearchResponse`),
 * - the HTTP API's error codes and their statuses, shared by the server and the client,
 * - the u64 id grammar and the TTL grammar shared by the store, the server and the CLI.
 *
 * @example
 * import { decodeEnvelope, encodeEnvelope } from "@reflex/codec";
 * const file = encodeEnvelope(42n, entry);
 * const { entry: view } = decodeEnvelope(file); // view.payloadBlob is a view of `file`
 */
export {
  API_ERROR_CODES,
  API_ERRORS,
  type ApiErrorCode,
  type ApiErrorStatus,
  apiErrorCodeOfStatus,
  apiErrorStatus,
  isApiErrorCode,
} from "./api-errors.ts";
export {
  type BatchEntry,
  type BatchGetResponseJson,
  batchGetResponseToJson,
  type DamagedId,
  decodeBatchGetResponse,
  encodeBatchGetResponse,
} from "./batch-get.ts";
export { CodecError, type CodecErrorCode, isCodecError, isCorruptionCode } from "./codec-error.ts";
export { type DecodeDumpOptions, type DumpEntry, decodeDumpStream, encodeDumpRecord } from "./dump-stream.ts";
export type { EntryFields } from "./entry.ts";
export { type CacheEntryJson, entryFromJson, entryToJson } from "./entry-json.ts";
export { type EntryPrefix, type PrefixShort, peekEntryPrefix } from "./entry-prefix.ts";
export { decodeEntryBody, encodeEntryBody, encodeEntryResponse, withExpiresAt } from "./entry-wire.ts";
export {
  type DecodedEnvelope,
  decodeEnvelope,
  type EnvelopeHeader,
  encodeEnvelope,
  envelopeBody,
  MAX_BODY_BYTES,
  MAX_ENVELOPE_HEADER_BYTES,
  peekExpiresAt,
  readEnvelopeHeader,
} from "./envelope.ts";
export {
  type SearchHit as SearchHitMessage,
  type SearchHitJson,
  SearchHitSchema,
  type SearchRequest,
  type SearchRequestJson,
  SearchRequestSchema,
  type SearchResponse,
  type SearchResponseJson,
  SearchResponseSchema,
} from "./gen/reflex/v1/search_pb.ts";
export {
  decodeSearchRequest,
  encodeSearchResponse,
  parseSearchInclude,
  type SearchHitFields,
  type SearchInclude,
  type SearchRequestFields,
  searchRequestFromJson,
  searchResponseToJson,
} from "./search-wire.ts";
export { isTtlText, parseTtlSeconds, TTL_GRAMMAR, TTL_PATTERN } from "./ttl.ts";
export { assertU64, isCanonicalU64, parseI64, parseU64, U64_MAX } from "./u64.ts";
export { uninitializedBytes } from "./uninitialized-bytes.ts";
