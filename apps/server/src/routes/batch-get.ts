import { createRoute, z } from "@hono/zod-openapi";
import { batchGetResponseToJson, type DamagedId, encodeBatchGetResponse } from "@reflex/codec";
import { type EntryHandle, type EntryStore, isStoreError } from "@reflex/core";
import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors.ts";
import { requireTenantAccess } from "../middleware/authorize.ts";
import { bodyLimit } from "../middleware/body-limit.ts";
import { JSON_TYPE, negotiateEntryEncoding, PROTOBUF_TYPE, requestEncoding } from "../wire/content.ts";
import { AUTH_ERRORS, BEARER, openApiErrorResponse, STORAGE_ERRORS, TenantParams, u64String } from "../wire/schemas.ts";
import type { App, RouteDeps } from "./deps.ts";

/** Most ids one batch-get asks for. */
export const MAX_BATCH_IDS = 1000;
/** Largest batch-get body: 1,000 ids of 20 digits, quoted, with room to spare. */
export const MAX_BATCH_BODY_BYTES = 64 * 1024;

/** Body of a batch-get: the JSON mapping of `reflex.v1.BatchGetRequest`. */
const BatchGetBody = z
  .strictObject({
    ids: z
      .array(u64String("entry id", "An entry id, a decimal u64."))
      .max(MAX_BATCH_IDS, `at most ${MAX_BATCH_IDS} ids per request`),
  })
  .openapi("BatchGetRequest");

/** The JSON mapping of `reflex.v1.BatchGetResponse`. */
const BatchGetResult = z
  .object({
    entries: z.array(
      z.object({
        entryId: z.string().openapi({ example: "42" }),
        entry: z.object({
          tenantId: z.string(),
          contextHash: z.string(),
          timestamp: z.string(),
          embedding: z.string().openapi({ format: "byte" }),
          payloadBlob: z.string().openapi({ format: "byte" }),
          expiresAt: z
            .string()
            .openapi({ example: "0", description: "Unix seconds after which the entry is gone; 0 never." }),
        }),
      }),
    ),
    missing: z
      .array(z.string())
      .openapi({ example: ["7"], description: "Ids with no live entry, in the order asked for." }),
    damaged: z
      .array(
        z.object({
          entryId: z.string().openapi({ example: "9" }),
          reason: z.string().openapi({ example: "checksum_mismatch", description: "The damage code." }),
        }),
      )
      .openapi({
        description:
          "Ids whose stored entry is corrupt (GET answers 500 data_corrupted for each), in the order asked for; " +
          "they need to be rewritten or deleted. The other ids are answered as usual.",
      }),
  })
  .openapi("BatchGetResponse");

/** Route middleware: a batch-get body must be JSON, else 415 naming the accepted type (not a bare "Unsupported Media Type"). */
function requireJsonContentType(): MiddlewareHandler {
  return async function requireJsonContentType(c, next) {
    const contentType = c.req.header("content-type");
    if (requestEncoding(contentType) !== "json") {
      throw new ApiError(
        415,
        "unsupported_media_type",
        `Content-Type must be ${JSON_TYPE} (a reflex.v1.BatchGetRequest in the JSON mapping), got ${contentType === undefined ? "none" : JSON.stringify(contentType.slice(0, 80))}`,
      );
    }
    return next();
  };
}

/** Registers `POST /v1/tenants/{tenant}/entries/batch-get`. */
export function registerBatchGetRoute(app: App, deps: RouteDeps): void {
  const { store } = deps;
  const route = createRoute({
    method: "post",
    path: "/v1/tenants/{tenant}/entries/batch-get",
    tags: ["entries"],
    summary: "Load several entries",
    description:
      `Up to ${MAX_BATCH_IDS} ids of one tenant in one request; the entries found, in the order asked for, ` +
      `and the ids with no live entry. JSON by default; binary protobuf reflex.v1.BatchGetResponse when Accept ` +
      `prefers ${PROTOBUF_TYPE}. A corrupt entry does not fail the batch: its id is listed in \`damaged\` with the ` +
      "damage code (protobuf field 3, reflex.v1.DamagedEntry), and the other ids are answered.",
    security: BEARER,
    middleware: [
      requireTenantAccess(),
      requireJsonContentType(),
      bodyLimit({ maxBytes: MAX_BATCH_BODY_BYTES }),
    ] as const,
    request: {
      params: TenantParams,
      body: { required: true, content: { [JSON_TYPE]: { schema: BatchGetBody } } },
    },
    responses: {
      200: {
        description: "The entries found and the ids missing.",
        content: {
          [JSON_TYPE]: { schema: BatchGetResult },
          [PROTOBUF_TYPE]: { schema: z.string().openapi({ format: "binary" }) },
        },
      },
      400: openApiErrorResponse("A bad tenant or id (the message names the first), or more than 1,000 ids."),
      ...AUTH_ERRORS,
      413: openApiErrorResponse("Body over the limit."),
      415: openApiErrorResponse("Content-Type is not JSON."),
      ...STORAGE_ERRORS,
    },
  });

  app.openapi(route, (c) =>
    batchGetResponse(
      store,
      BigInt(c.req.valid("param").tenant),
      c.req.valid("json").ids.map((id) => BigInt(id)),
      c.req.header("accept"),
    ),
  );
}

/**
 * The answer of a batch-get whose tenant access and ids are checked: the entries found
 * and the ids missing, as protobuf `reflex.v1.BatchGetResponse` when `accept` prefers it,
 * else JSON. Shared by the Hono route and the fast route.
 */
export async function batchGetResponse(
  store: EntryStore,
  tenantId: bigint,
  ids: readonly bigint[],
  accept: string | null | undefined,
): Promise<Response> {
  const { entries, missing, damaged } = await loadBatch(store, tenantId, ids);
  try {
    const { encoding, contentType } = negotiateEntryEncoding(accept ?? undefined);
    if (encoding === "protobuf") {
      // Each file's body is the entry's protobuf encoding, already verified: copied, not re-encoded.
      const found = entries.map((handle) => ({
        entryId: handle.entryId,
        entry: handle,
        encoded: handle.protobufBytes,
        expiresAt: handle.expiresAt,
      }));
      return new Response(encodeBatchGetResponse(found, missing, damaged) as Uint8Array<ArrayBuffer>, {
        headers: { "Content-Type": contentType, Vary: "Accept" },
      });
    }
    const found = entries.map((handle) => ({ entryId: handle.entryId, entry: handle, expiresAt: handle.expiresAt }));
    return Response.json(batchGetResponseToJson(found, missing, damaged), { headers: { Vary: "Accept" } });
  } finally {
    for (const handle of entries) handle.release();
  }
}

/**
 * The batch as `loadMany` loads it, and when that fails because an entry is corrupt, again
 * one id at a time: the good entries and the missing ids are answered, and each damaged id
 * is named with its damage code instead of failing the whole batch. The happy path pays
 * nothing; any other error still fails the request.
 */
async function loadBatch(
  store: EntryStore,
  tenantId: bigint,
  ids: readonly bigint[],
): Promise<{ entries: EntryHandle[]; missing: bigint[]; damaged: DamagedId[] }> {
  try {
    return { ...(await store.loadMany(tenantId, ids)), damaged: [] };
  } catch (error) {
    if (!isStoreError(error, "corrupt")) throw error;
  }
  const entries: EntryHandle[] = [];
  const missing: bigint[] = [];
  const damaged: DamagedId[] = [];
  try {
    for (const id of ids) {
      try {
        entries.push(await store.load(id, tenantId));
      } catch (error) {
        if (isStoreError(error, "not_found")) missing.push(id);
        else if (isStoreError(error, "corrupt")) damaged.push({ entryId: id, reason: error.reason ?? "corrupt" });
        else throw error;
      }
    }
  } catch (error) {
    for (const handle of entries) handle.release();
    throw error;
  }
  return { entries, missing, damaged };
}
