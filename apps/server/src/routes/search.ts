import { createRoute, z } from "@hono/zod-openapi";
import {
  decodeSearchRequest,
  encodeSearchResponse,
  type SearchHitFields,
  type SearchRequestFields,
  searchRequestFromJson,
  searchResponseToJson,
} from "@reflex/codec";
import { type EntryStore, isStoreError, MAX_SEARCH_K } from "@reflex/core";
import { requireTenantAccess } from "../middleware/authorize.ts";
import { bodyLimit } from "../middleware/body-limit.ts";
import { requireEntryContentType } from "../middleware/require-entry-content-type.ts";
import {
  JSON_TYPE,
  negotiateEntryEncoding,
  PROTOBUF_TYPE,
  PROTOBUF_TYPE_ALIAS,
  requestEncoding,
} from "../wire/content.ts";
import { AUTH_ERRORS, BEARER, openApiErrorResponse, STORAGE_ERRORS, TenantParams } from "../wire/schemas.ts";
import { SearchJsonInput, SearchJsonOutput } from "../wire/search-schemas.ts";
import type { App, RouteDeps } from "./deps.ts";

const protobufRequest = z
  .string()
  .openapi({ format: "binary", description: "Binary protobuf reflex.v1.SearchRequest." });
const protobufResponse = z
  .string()
  .openapi({ format: "binary", description: "Binary protobuf reflex.v1.SearchResponse." });

/**
 * The hits of a search, each with a copy of its entry when asked (a hit deleted since the
 * search is dropped), and the best similarity the search saw.
 */
async function withEntries(
  store: EntryStore,
  tenantId: bigint,
  request: SearchRequestFields,
): Promise<{ hits: SearchHitFields[]; nearest: number | null }> {
  const { hits, nearest } = await store.searchWithNearest(tenantId, request.embedding, {
    ...(request.k === undefined ? {} : { k: request.k }),
    ...(request.minSimilarity === undefined ? {} : { minSimilarity: request.minSimilarity }),
    exact: request.exact,
    ...(request.contextHash === undefined ? {} : { contextHash: request.contextHash }),
  });
  const out: SearchHitFields[] = [];
  for (const hit of hits) {
    const fields = {
      id: hit.entryId,
      similarity: hit.similarity,
      timestamp: hit.timestamp,
      contextHash: hit.contextHash,
    };
    if (request.include === "ids") {
      out.push(fields);
      continue;
    }
    try {
      const handle = await store.load(hit.entryId, tenantId);
      out.push({ ...fields, entry: handle.toEntry(), entryExpiresAt: handle.expiresAt });
      handle.release();
    } catch (error) {
      if (!isStoreError(error, "not_found")) throw error;
    }
  }
  return { hits: out, nearest };
}

/** Registers `POST /v1/tenants/{tenant}/search`. */
export function registerSearchRoute(app: App, deps: RouteDeps): void {
  const { store } = deps;

  const search = createRoute({
    method: "post",
    path: "/v1/tenants/{tenant}/search",
    tags: ["lookup"],
    summary: "Find the entries nearest to an embedding",
    description:
      "Cosine similarity over the tenant's entries whose embedding (little-endian f16) has the query's " +
      `dimension; hits at least \`minSimilarity\` (default 0.9), at most \`k\` (default 1, max ${MAX_SEARCH_K}), ` +
      "best first, ties by newer timestamp. Never an entry a load would not return. With `contextHash`, only " +
      "entries of that context hash are candidates. `nearest` is the best similarity of any candidate, also on a " +
      "miss (null with none): the figure to tune `minSimilarity` from. JSON or binary protobuf " +
      `(reflex.v1.SearchRequest) in; JSON, or protobuf (reflex.v1.SearchResponse) when Accept prefers ${PROTOBUF_TYPE}.`,
    security: BEARER,
    middleware: [requireTenantAccess(), requireEntryContentType(), bodyLimit({ maxBytes: deps.maxBodyBytes })] as const,
    request: {
      params: TenantParams,
      body: {
        description: "The query, by Content-Type.",
        content: {
          [JSON_TYPE]: { schema: SearchJsonInput },
          [PROTOBUF_TYPE]: { schema: protobufRequest },
          [PROTOBUF_TYPE_ALIAS]: { schema: protobufRequest },
        },
      },
    },
    responses: {
      200: {
        description: "The hits, best first (empty when none reaches the threshold), and `nearest`.",
        content: { [JSON_TYPE]: { schema: SearchJsonOutput }, [PROTOBUF_TYPE]: { schema: protobufResponse } },
      },
      400: openApiErrorResponse(
        "Bad tenant id or body: `invalid_embedding` for an embedding that is empty, of odd length, all zeros, NaN or infinite.",
      ),
      ...AUTH_ERRORS,
      413: openApiErrorResponse("Body over the limit."),
      415: openApiErrorResponse("Content-Type is neither JSON nor protobuf."),
      501: openApiErrorResponse("The store behind the server has no lookup (`unsupported`)."),
      ...STORAGE_ERRORS,
    },
  });

  app.openapi(search, async (c) => {
    const tenantId = BigInt(c.req.valid("param").tenant);
    const request =
      requestEncoding(c.req.header("content-type")) === "json"
        ? searchRequestFromJson(c.req.valid("json"))
        : decodeSearchRequest(new Uint8Array(await c.req.arrayBuffer()));
    const { hits, nearest } = await withEntries(store, tenantId, request);
    const { encoding, contentType } = negotiateEntryEncoding(c.req.header("accept"));
    if (encoding === "protobuf") {
      return c.body(encodeSearchResponse(hits, nearest) as Uint8Array<ArrayBuffer>, 200, {
        "Content-Type": contentType,
        Vary: "Accept",
      });
    }
    return c.json(searchResponseToJson(hits, nearest), 200, { Vary: "Accept" });
  });
}
