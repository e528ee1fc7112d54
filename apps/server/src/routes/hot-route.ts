import type { RouteConfig } from "@hono/zod-openapi";
import type { Handler } from "hono";
import type { AppEnv } from "../env.ts";
import { requireEntryAccess } from "../middleware/authorize.ts";
import type { App } from "./deps.ts";

/**
 * Registers one of the hot entry routes (GET payload, GET entry, HEAD): documented in
 * `/openapi.json` from the same route definition as every other route, but with its
 * path ids parsed once by {@link requireEntryAccess} instead of a zod validator per
 * request (the validator and the middleware each parsed the ids again). The handler
 * reads `c.var.tenantId` and `c.var.entryId`.
 */
export function registerHotEntryRoute(app: App, route: RouteConfig, handler: Handler<AppEnv>): void {
  app.openAPIRegistry.registerPath(route);
  const honoPath = route.path.replaceAll(/\{(\w+)\}/g, ":$1");
  app.on(route.method.toUpperCase(), honoPath, requireEntryAccess(), handler);
}
