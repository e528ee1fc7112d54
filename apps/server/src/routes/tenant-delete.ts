import { createRoute, z } from "@hono/zod-openapi";
import { requireTenantAccess } from "../middleware/authorize.ts";
import { JSON_TYPE } from "../wire/content.ts";
import { AUTH_ERRORS, BEARER, openApiErrorResponse, STORAGE_ERRORS, TenantParams } from "../wire/schemas.ts";
import type { App, RouteDeps } from "./deps.ts";

const TenantDeleted = z
  .object({
    tenant: z.string().openapi({ example: "1" }),
    removed: z.number().int().openapi({ description: "Entries removed." }),
  })
  .openapi("TenantDeleted");

/** Registers `DELETE /v1/tenants/{tenant}`: the whole tenant, crash-safe. */
export function registerTenantDeleteRoute(app: App, deps: RouteDeps): void {
  const { store } = deps;
  const route = createRoute({
    method: "delete",
    path: "/v1/tenants/{tenant}",
    tags: ["tenants"],
    summary: "Delete a whole tenant (admin or that tenant's token)",
    description:
      "Every entry of the tenant leaves every listing and load at once, even if the server dies midway " +
      "(one rename of its directory; the files are removed after, and a restart finishes a deletion cut short).",
    security: BEARER,
    middleware: [requireTenantAccess()] as const,
    request: { params: TenantParams },
    responses: {
      200: { description: "Deleted.", content: { [JSON_TYPE]: { schema: TenantDeleted } } },
      400: openApiErrorResponse("Bad tenant id."),
      ...AUTH_ERRORS,
      404: openApiErrorResponse("No such tenant."),
      ...STORAGE_ERRORS,
    },
  });

  app.openapi(route, async (c) => {
    const { tenant } = c.req.valid("param");
    const removed = await store.deleteTenant(BigInt(tenant));
    return c.json({ tenant, removed }, 200);
  });
}
