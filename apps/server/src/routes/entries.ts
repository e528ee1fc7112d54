import { createRoute, z } from "@hono/zod-openapi";
import { entryToJson, withExpiresAt } from "@reflex/codec";
import type { EntryHandle, EntryStore } from "@reflex/core";
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
import { entryFromRequest } from "../wire/entry-body.ts";
import {
  AUTH_ERRORS,
  BEARER,
  ENTRY_ERRORS,
  EntryJsonInput,
  EntryJsonOutput,
  EntryParams,
  openApiErrorResponse,
  PutQuery,
  STORAGE_ERRORS,
  StoredEntry,
} from "../wire/schemas.ts";
import { type App, entryIds, type RouteDeps } from "./deps.ts";
import { registerHotEntryRoute } from "./hot-route.ts";
import { withLoadedEntry } from "./with-loaded-entry.ts";

const PATH = "/v1/tenants/{tenant}/entries/{id}";

/** The header of a PUT the store accepted with a weaker durability than its default (see StoredEntry.durability). */
export const DURABILITY_HEADER = "X-Reflex-Durability";
const DURABILITY_HEADER_DOC = {
  [DURABILITY_HEADER]: {
    description:
      "Only when the write was accepted with a weaker promise: master-only (a Redis Cluster shard with no " +
      "online replica stored it on its master alone, --redis-when-replica-lost accept).",
    schema: { type: "string" as const, enum: ["master-only"] },
  },
};
const protobufBody = z.string().openapi({ format: "binary", description: "Binary protobuf reflex.v1.CacheEntry." });

/** Registers PUT, GET, HEAD and DELETE of `/v1/tenants/{tenant}/entries/{id}`. */
export function registerEntryRoutes(app: App, deps: RouteDeps): void {
  const { store } = deps;

  const put = createRoute({
    method: "put",
    path: PATH,
    tags: ["entries"],
    summary: "Store an entry",
    description:
      "Writes the entry (JSON in the protobuf JSON mapping, or binary protobuf), replacing any older one. " +
      "The body's tenant_id must equal the path's tenant.",
    security: BEARER,
    middleware: [requireTenantAccess(), requireEntryContentType(), bodyLimit({ maxBytes: deps.maxBodyBytes })] as const,
    request: {
      params: EntryParams,
      query: PutQuery,
      body: {
        description: "The entry, by Content-Type.",
        content: {
          [JSON_TYPE]: { schema: EntryJsonInput },
          [PROTOBUF_TYPE]: { schema: protobufBody },
          [PROTOBUF_TYPE_ALIAS]: { schema: protobufBody },
        },
      },
    },
    responses: {
      200: {
        description: "Replaced an entry.",
        headers: DURABILITY_HEADER_DOC,
        content: { [JSON_TYPE]: { schema: StoredEntry } },
      },
      201: {
        description: "Created a new entry.",
        headers: DURABILITY_HEADER_DOC,
        content: { [JSON_TYPE]: { schema: StoredEntry } },
      },
      400: openApiErrorResponse("Bad id or bad body."),
      ...AUTH_ERRORS,
      413: openApiErrorResponse("Body over the limit."),
      415: openApiErrorResponse("Content-Type is neither JSON nor protobuf."),
      422: openApiErrorResponse("The body's tenant_id differs from the path's tenant."),
      ...STORAGE_ERRORS,
    },
  });

  app.openapi(put, async (c) => {
    const params = c.req.valid("param");
    const { tenantId, entryId } = entryIds(params);
    const entry = entryFromRequest(
      requestEncoding(c.req.header("content-type")) === "json"
        ? { encoding: "json", json: c.req.valid("json") }
        : { encoding: "protobuf", bytes: new Uint8Array(await c.req.arrayBuffer()) },
      tenantId,
    );
    const ttl = c.req.valid("query").ttl;
    const handle = await store.store(entryId, entry, ttl === undefined ? {} : { ttlSeconds: Number(ttl) });
    const { created, weakerDurability } = handle;
    handle.release();
    // A Redis Cluster shard with no online replica stored it on its master alone (--redis-when-replica-lost accept).
    const weaker = weakerDurability === undefined ? undefined : { [DURABILITY_HEADER]: weakerDurability };
    const body = {
      tenant: params.tenant,
      id: params.id,
      created,
      ...(weakerDurability && { durability: weakerDurability }),
    };
    if (created) {
      return c.json(body, 201, { Location: `/v1/tenants/${params.tenant}/entries/${params.id}`, ...weaker });
    }
    return c.json(body, 200, weaker);
  });

  const get = createRoute({
    method: "get",
    path: PATH,
    tags: ["entries"],
    summary: "Load an entry",
    description:
      `JSON (the protobuf JSON mapping) by default; binary protobuf when Accept prefers ${PROTOBUF_TYPE}. ` +
      "Both carry expiresAt (field 6 in protobuf, absent there when the entry never expires).",
    security: BEARER,
    request: { params: EntryParams },
    responses: {
      200: {
        description: "The entry.",
        content: { [JSON_TYPE]: { schema: EntryJsonOutput }, [PROTOBUF_TYPE]: { schema: protobufBody } },
      },
      ...ENTRY_ERRORS,
    },
  });

  registerHotEntryRoute(app, get, (c) =>
    entryResponse(store, c.req.method, c.var.tenantId, c.var.entryId, c.req.header("accept")),
  );

  // Documents HEAD, which the GET route above serves (see there).
  app.openAPIRegistry.registerPath(
    createRoute({
      method: "head",
      path: PATH,
      tags: ["entries"],
      summary: "Check that an entry exists",
      security: BEARER,
      request: { params: EntryParams },
      responses: {
        200: { description: "The entry exists and loads intact (HEAD loads and verifies it, as GET does)." },
        400: { description: "Bad id." },
        401: { description: "No bearer token, or not a valid one." },
        403: { description: "The token does not cover this tenant." },
        404: { description: "No such entry." },
        500: { description: "The stored entry is corrupt (as GET answers)." },
      },
    }),
  );

  const remove = createRoute({
    method: "delete",
    path: PATH,
    tags: ["entries"],
    summary: "Delete an entry",
    security: BEARER,
    middleware: [requireTenantAccess()] as const,
    request: { params: EntryParams },
    responses: {
      204: { description: "Deleted." },
      ...ENTRY_ERRORS,
    },
  });

  app.openapi(remove, async (c) => {
    const { tenantId, entryId } = entryIds(c.req.valid("param"));
    await store.delete(entryId, tenantId);
    return c.body(null, 204);
  });
}

/**
 * The answer of GET (or HEAD) entry for ids whose access is checked. HEAD loads and
 * verifies the entry as GET does, so the two always agree: 200, 404, or 500 for a
 * corrupt entry (a bare existence check would say 200 for a file GET refuses). GET is
 * JSON, or protobuf by `accept`. Shared by the Hono route and the fast route.
 */
export function entryResponse(
  store: EntryStore,
  method: string,
  tenantId: bigint,
  entryId: bigint,
  accept: string | null | undefined,
): Response | Promise<Response> {
  return withLoadedEntry(store, entryId, tenantId, (handle) => entryAnswer(handle, method, accept));
}

function entryAnswer(handle: EntryHandle, method: string, accept: string | null | undefined): Response {
  try {
    if (method === "HEAD") return new Response(null, { status: 200 });
    const { encoding, contentType } = negotiateEntryEncoding(accept ?? undefined);
    if (encoding === "protobuf") {
      // The file's body is the entry's protobuf encoding, already verified: no re-encode;
      // an expiry is appended as field 6 (a copy only for an entry that expires).
      return new Response(withExpiresAt(handle.protobufBytes, handle.expiresAt), {
        status: 200,
        headers: { "Content-Type": contentType, Vary: "Accept" },
      });
    }
    return new Response(JSON.stringify(entryToJson(handle, handle.expiresAt)), {
      status: 200,
      headers: { "Content-Type": "application/json", Vary: "Accept" },
    });
  } finally {
    handle.release();
  }
}
