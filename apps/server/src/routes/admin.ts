import { createRoute } from "@hono/zod-openapi";
import { requireAdmin } from "../middleware/authorize.ts";
import { JSON_TYPE } from "../wire/content.ts";
import { AUTH_ERRORS, BEARER, CleanupResult, STORAGE_ERRORS, Stats } from "../wire/schemas.ts";
import type { App, RouteDeps } from "./deps.ts";

/** Registers the admin routes: `GET /v1/stats` and `POST /v1/maintenance/cleanup`. */
export function registerAdminRoutes(app: App, deps: RouteDeps): void {
  const { store, operations } = deps;

  const stats = createRoute({
    method: "get",
    path: "/v1/stats",
    tags: ["admin"],
    summary: "Store size, in total and per tenant, and operation metrics (admin)",
    security: BEARER,
    middleware: [requireAdmin()] as const,
    responses: {
      200: {
        description: "Live figures kept by the store as it writes (no scan).",
        content: { [JSON_TYPE]: { schema: Stats } },
      },
      ...AUTH_ERRORS,
      ...STORAGE_ERRORS,
    },
  });

  app.openapi(stats, async (c) => {
    const usage = store.liveStats();
    return c.json(
      {
        tenants: usage.tenantCount,
        entries: usage.entryCount,
        bytes: usage.totalBytes,
        perTenant: usage.perTenant.map((t) => ({
          tenant: t.tenantId.toString(),
          entries: t.entryCount,
          bytes: t.totalBytes,
        })),
        operations: operations?.snapshot() ?? {},
        retention: store.retentionStats(),
      },
      200,
    );
  });

  const cleanup = createRoute({
    method: "post",
    path: "/v1/maintenance/cleanup",
    tags: ["admin"],
    summary: "Remove empty tenant directories (admin)",
    security: BEARER,
    middleware: [requireAdmin()] as const,
    responses: {
      200: { description: "How many were removed.", content: { [JSON_TYPE]: { schema: CleanupResult } } },
      ...AUTH_ERRORS,
      ...STORAGE_ERRORS,
    },
  });

  app.openapi(cleanup, async (c) => {
    const removed = await store.cleanupEmptyTenantDirs();
    return c.json({ removed }, 200);
  });
}
