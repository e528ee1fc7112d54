import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { SearchRequestSchema, SearchResponseSchema } from "@reflex/codec";
import { idOf } from "./ids.ts";
import type { SearchQuery, SearchResult, WireEncoding } from "./types.ts";
import { base64, searchHitsOfJson, searchHitsOfProtobuf } from "./wire.ts";

/** The body of a search in `encoding` (`contextHash` checked here: `invalid_id` before any request). */
export function searchRequestBody(query: SearchQuery, encoding: WireEncoding): Uint8Array | string {
  const contextHash = query.contextHash === undefined ? undefined : idOf(query.contextHash, "context hash");
  const fields = {
    embedding: query.embedding,
    k: query.k ?? 0,
    exact: query.exact ?? false,
    include: query.include ?? "ids",
    ...(query.minSimilarity === undefined ? {} : { minSimilarity: query.minSimilarity }),
    ...(contextHash === undefined ? {} : { contextHash }),
  };
  if (encoding === "protobuf") return toBinary(SearchRequestSchema, create(SearchRequestSchema, fields));
  return JSON.stringify({
    ...fields,
    embedding: base64(query.embedding),
    k: query.k,
    ...(contextHash === undefined ? {} : { contextHash: String(contextHash) }),
  });
}

/** The hits and `nearest` of a binary `reflex.v1.SearchResponse` (unset nearest: null). */
export function searchResultOfProtobuf(bytes: Uint8Array): SearchResult {
  return { hits: searchHitsOfProtobuf(bytes), nearest: fromBinary(SearchResponseSchema, bytes).nearest ?? null };
}

/** The hits and `nearest` of a JSON search answer (a server without `nearest`: null). */
export function searchResultOfJson(json: unknown): SearchResult {
  const nearest = (json as { nearest?: unknown }).nearest;
  return { hits: searchHitsOfJson(json), nearest: typeof nearest === "number" ? nearest : null };
}
