import { createRoute, z } from "@hono/zod-openapi";
import { requireTenantAccess } from "../middleware/authorize.ts";
import { JSON_TYPE } from "../wire/content.ts";
import { BEARER, ENTRY_ERRORS, EntryParams, ttlQuery } from "../wire/schemas.ts";
import { type App, entryIds, type RouteDeps } from "./deps.ts";

const TouchQuery = z.object({
  ttl: ttlQuery("The entry's new time to live in seconds (at most 10 digits), from now; 0: never expires.").openapi({
    param: { name: "ttl", in: "query", required: true },
  }),
});

const Touched = z
  .object({
    tenant: z.string().openapi({ example: "1" }),
    id: z.string().openapi({ example: "42" }),
    expiresAt: z.string().openapi({ example: "1700003600", description: 'Unix seconds; "0": never.' }),
  })
  .openapi("Touched");

/** Registers `POST /v1/tenants/{tenant}/entries/{id}/touch?ttl=`: a TTL refresh without sending the entry again. */
export function registerTouchRoute(app: App, deps: RouteDeps): void {
  const { store } = deps;
  const route = createRoute({
    method: "post",
    path: "/v1/tenants/{tenant}/entries/{id}/touch",
    tags: ["entries"],
    summary: "Give an entry a new time to live",
    description:
      "The entry expires ttl seconds from now (0: never); its fields stay as they are. The store writes a new " +
      "file with the same fields and the new expiry and renames it over the old one: a whole write of the entry.",
    security: BEARER,
    middleware: [requireTenantAccess()] as const,
    request: { params: EntryParams, query: TouchQuery },
    responses: {
      200: { description: "The new expiry.", content: { [JSON_TYPE]: { schema: Touched } } },
      ...ENTRY_ERRORS,
    },
  });

  app.openapi(route, async (c) => {
    const params = c.req.valid("param");
    const { tenantId, entryId } = entryIds(params);
    const expiresAt = await store.touch(entryId, tenantId, Number(c.req.valid("query").ttl));
    return c.json({ tenant: params.tenant, id: params.id, expiresAt: expiresAt.toString() }, 200);
  });
}
