import { create, fromBinary, fromJson, toBinary, toJson } from "@bufbuild/protobuf";
import { CodecError } from "./codec-error.ts";
import type { EntryFields } from "./entry.ts";
import { CacheEntrySchema } from "./gen/reflex/v1/cache_entry_pb.ts";
import {
  type SearchHitJson,
  type SearchRequest,
  SearchRequestSchema,
  SearchResponseSchema,
} from "./gen/reflex/v1/search_pb.ts";

/** What a search hit carries alongside its id (`include: "entry"` adds the entry). */
export type SearchInclude = "ids" | "entry";

/** A search request as the store takes it (unset fields left out). */
export interface SearchRequestFields {
  readonly embedding: Uint8Array;
  readonly k?: number;
  readonly minSimilarity?: number;
  readonly exact: boolean;
  readonly include: SearchInclude;
  /** Only entries of this context hash are candidates; absent: every entry of the tenant. */
  readonly contextHash?: bigint;
}

/** One hit to send back. */
export interface SearchHitFields {
  readonly id: bigint;
  readonly similarity: number;
  readonly timestamp: bigint;
  readonly contextHash: bigint;
  readonly entry?: EntryFields;
  /** The entry's expiry (unix seconds, 0 never), when known: sent as the entry's `expiresAt`, as a GET would. */
  readonly entryExpiresAt?: bigint;
}

/** `"ids"` for an empty or `"ids"` value, `"entry"` for `"entry"`; anything else is `invalid_value`. */
export function parseSearchInclude(text: string | undefined): SearchInclude {
  if (text === undefined || text === "" || text === "ids") return "ids";
  if (text === "entry") return "entry";
  throw new CodecError("invalid_value", `include must be "ids" or "entry", got ${JSON.stringify(text.slice(0, 40))}`);
}

/** The fields of a decoded `reflex.v1.SearchRequest` (k 0: the default; an unset minSimilarity: the default). */
function requestFields(message: SearchRequest): SearchRequestFields {
  return {
    embedding: message.embedding,
    ...(message.k === 0 ? {} : { k: message.k }),
    ...(message.minSimilarity === undefined ? {} : { minSimilarity: message.minSimilarity }),
    exact: message.exact,
    include: parseSearchInclude(message.include),
    ...(message.contextHash === undefined ? {} : { contextHash: message.contextHash }),
  };
}

/** Decodes a binary `reflex.v1.SearchRequest`; bad bytes or a bad `include` are `invalid_value`. */
export function decodeSearchRequest(bytes: Uint8Array): SearchRequestFields {
  let message: SearchRequest;
  try {
    message = fromBinary(SearchRequestSchema, bytes);
  } catch (error) {
    throw new CodecError("invalid_value", `bad SearchRequest protobuf: ${(error as Error).message}`, { cause: error });
  }
  return requestFields(message);
}

/**
 * Parses the JSON body of a search (the protobuf JSON mapping of `reflex.v1.SearchRequest`):
 * `{"embedding": "<base64>", "k": 5, "minSimilarity": 0.9, "exact": false, "include": "ids", "contextHash": "7"}`
 * (`contextHash` a decimal string, as every u64 of the JSON mapping).
 * Bad JSON or base64 is `invalid_json`; a bad `include` is `invalid_value`.
 */
export function searchRequestFromJson(json: unknown): SearchRequestFields {
  let message: SearchRequest;
  try {
    message = fromJson(SearchRequestSchema, json as never);
  } catch (error) {
    throw new CodecError("invalid_json", `bad search JSON: ${(error as Error).message}`, { cause: error });
  }
  return requestFields(message);
}

function responseMessage(hits: readonly SearchHitFields[], nearest: number | null | undefined) {
  return create(SearchResponseSchema, {
    ...(nearest === undefined || nearest === null ? {} : { nearest }),
    hits: hits.map((hit) => ({
      id: hit.id,
      similarity: hit.similarity,
      timestamp: hit.timestamp,
      contextHash: hit.contextHash,
      ...(hit.entry === undefined
        ? {}
        : { entry: create(CacheEntrySchema, { ...hit.entry, expiresAt: hit.entryExpiresAt ?? 0n }) }),
    })),
  });
}

/** A binary `reflex.v1.SearchResponse`; `nearest` unset when null or not given. */
export function encodeSearchResponse(hits: readonly SearchHitFields[], nearest?: number | null): Uint8Array {
  return toBinary(SearchResponseSchema, responseMessage(hits, nearest));
}

/**
 * The JSON mapping of `reflex.v1.SearchResponse`, every hit field present:
 * `{"hits": [{"id": "42", "similarity": 0.97, "timestamp": "...", "contextHash": "...", "entry": {...}}],
 * "nearest": 0.97}`. Given a `nearest`, the key is always there (`null`: no candidate); not given,
 * it is left out.
 */
export function searchResponseToJson(hits: readonly SearchHitFields[]): { hits: SearchHitJson[] };
/** See above: with the best similarity seen (`null` when there was no candidate). */
export function searchResponseToJson(
  hits: readonly SearchHitFields[],
  nearest: number | null,
): { hits: SearchHitJson[]; nearest: number | null };
export function searchResponseToJson(
  hits: readonly SearchHitFields[],
  nearest?: number | null,
): { hits: SearchHitJson[]; nearest?: number | null } {
  const json = toJson(SearchResponseSchema, responseMessage(hits, nearest), { alwaysEmitImplicit: true }) as {
    hits?: SearchHitJson[];
  };
  const out = json.hits ?? [];
  // As entryToJson does: `expiresAt` only when the expiry is known.
  for (const [i, hit] of hits.entries()) {
    const entry = out[i]?.entry as { expiresAt?: string } | undefined;
    if (entry !== undefined && hit.entryExpiresAt === undefined) delete entry.expiresAt;
  }
  return nearest === undefined ? { hits: out } : { hits: out, nearest };
}
