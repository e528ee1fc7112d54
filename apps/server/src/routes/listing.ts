import { createRoute } from "@hono/zod-openapi";
import { ApiError } from "../errors.ts";
import { requireAdmin, requireTenantAccess } from "../middleware/authorize.ts";
import { JSON_TYPE } from "../wire/content.ts";
import {
  AUTH_ERRORS,
  BEARER,
  DEFAULT_LIST_LIMIT,
  EntryList,
  ListQuery,
  openApiErrorResponse,
  STORAGE_ERRORS,
  TenantList,
  TenantParams,
} from "../wire/schemas.ts";
import type { App, RouteDeps } from "./deps.ts";

/**
 * Registers `GET /v1/tenants` (admin) and `GET /v1/tenants/{tenant}/entries` (paginated
 * ids, or with `contextHash` the exact lookup: that hash's ids, newest first).
 */
export function registerListingRoutes(app: App, deps: RouteDeps): void {
  const { store } = deps;

  const tenants = createRoute({
    method: "get",
    path: "/v1/tenants",
    tags: ["listing"],
    summary: "List tenants (admin)",
    security: BEARER,
    middleware: [requireAdmin()] as const,
    responses: {
      200: { description: "Tenant ids, ascending.", content: { [JSON_TYPE]: { schema: TenantList } } },
      ...AUTH_ERRORS,
      ...STORAGE_ERRORS,
    },
  });

  app.openapi(tenants, async (c) => {
    const ids = await store.listTenants();
    return c.json({ tenants: ids.map(String) }, 200);
  });

  const entries = createRoute({
    method: "get",
    path: "/v1/tenants/{tenant}/entries",
    tags: ["listing"],
    summary: "List a tenant's entry ids",
    description:
      "Ids ascending, one page at a time: pass the page's `next` as `after` for the following page. " +
      "With `contextHash`: the ids of the entries with that context hash, newest first (by timestamp, then id), " +
      "paged the same way (`after` is an id of that list; one that left it, deleted or rewritten, is a 400).",
    security: BEARER,
    middleware: [requireTenantAccess()] as const,
    request: { params: TenantParams, query: ListQuery },
    responses: {
      200: { description: "One page of entry ids.", content: { [JSON_TYPE]: { schema: EntryList } } },
      400: openApiErrorResponse(
        "Bad tenant id, limit, after or contextHash (or, with contextHash, an after that is not in its list).",
      ),
      501: openApiErrorResponse("With contextHash: the store behind the server has no lookup (`unsupported`)."),
      ...AUTH_ERRORS,
      ...STORAGE_ERRORS,
    },
  });

  app.openapi(entries, async (c) => {
    const { tenant } = c.req.valid("param");
    const query = c.req.valid("query");
    const limit = query.limit === undefined ? DEFAULT_LIST_LIMIT : Number(query.limit);
    if (query.contextHash !== undefined) {
      const ids = await store.findByContext(BigInt(tenant), BigInt(query.contextHash));
      const after = query.after === undefined ? undefined : BigInt(query.after);
      const start = after === undefined ? 0 : ids.indexOf(after) + 1;
      if (start === 0 && after !== undefined) {
        throw new ApiError(
          400,
          "invalid_query",
          `after ${after} is not an entry with contextHash ${query.contextHash} (deleted or rewritten since?): list again without after`,
        );
      }
      const page = ids.slice(start, start + limit).map(String);
      return c.json({ ids: page, next: start + limit < ids.length ? (page.at(-1) ?? null) : null }, 200);
    }
    // One more than the page tells whether another page follows.
    const ids = await store.listEntries(BigInt(tenant), {
      limit: limit + 1,
      ...(query.after === undefined ? {} : { after: BigInt(query.after) }),
    });
    const page = ids.slice(0, limit).map(String);
    return c.json({ ids: page, next: ids.length > limit ? (page.at(-1) ?? null) : null }, 200);
  });
}
