import { createRoute, z } from "@hono/zod-openapi";
import { requireTenant } from "../auth.ts";
import { OCTET_STREAM_TYPE } from "../content.ts";
import { ifNoneMatchMatches, payloadEtag } from "../etag.ts";
import { AUTH_ERRORS, BEARER, EntryParams, errorResponse, STORAGE_ERRORS } from "../schemas.ts";
import { type App, entryIds, type RouteDeps } from "./deps.ts";

/** Registers `GET /v1/tenants/{tenant}/entries/{id}/payload`: the raw payload bytes with an ETag. */
export function registerPayloadRoute(app: App, deps: RouteDeps): void {
  const { store } = deps;

  const route = createRoute({
    method: "get",
    path: "/v1/tenants/{tenant}/entries/{id}/payload",
    tags: ["entries"],
    summary: "Raw payload bytes",
    description: "The entry's payload_blob as is, with a strong ETag; If-None-Match answers 304.",
    security: BEARER,
    middleware: [requireTenant()] as const,
    request: { params: EntryParams },
    responses: {
      200: {
        description: "The payload.",
        headers: { ETag: { schema: { type: "string" }, description: "Strong validator of the payload." } },
        content: { [OCTET_STREAM_TYPE]: { schema: z.string().openapi({ format: "binary" }) } },
      },
      304: { description: "If-None-Match matched: not modified." },
      400: errorResponse("Bad id."),
      ...AUTH_ERRORS,
      404: errorResponse("No such entry."),
      ...STORAGE_ERRORS,
    },
  });

  app.openapi(route, async (c) => {
    const { tenantId, entryId } = entryIds(c.req.valid("param"));
    const handle = await store.load(entryId, tenantId);
    try {
      const payload = handle.payloadBlob; // a view of the file's mapping or buffer: no decode, no base64
      const etag = payloadEtag(payload);
      if (ifNoneMatchMatches(c.req.header("if-none-match"), etag)) return c.body(null, 304, { ETag: etag });
      // Bun takes the body's bytes when the Response is built (one copy into its native
      // body store, none on the JS heap), so the handle can be released right after.
      return new Response(payload, { status: 200, headers: { "Content-Type": OCTET_STREAM_TYPE, ETag: etag } });
    } finally {
      handle.release();
    }
  });
}
