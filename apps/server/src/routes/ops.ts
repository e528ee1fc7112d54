import { createRoute, z } from "@hono/zod-openapi";
import { requireAdmin } from "../middleware/authorize.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../observe/metrics.ts";
import { JSON_TYPE } from "../wire/content.ts";
import { AUTH_ERRORS, BEARER, Health, STORAGE_ERRORS } from "../wire/schemas.ts";
import type { App, RouteDeps } from "./deps.ts";

/** Registers `GET /healthz` (public) and `GET /metrics` (admin). */
export function registerOpsRoutes(app: App, deps: RouteDeps): void {
  const healthz = createRoute({
    method: "get",
    path: "/healthz",
    tags: ["operations"],
    summary: "Liveness",
    responses: { 200: { description: "The server is up.", content: { [JSON_TYPE]: { schema: Health } } } },
  });

  app.openapi(healthz, (c) => c.json({ status: "ok" as const }, 200));

  const metrics = createRoute({
    method: "get",
    path: "/metrics",
    tags: ["operations"],
    summary: "Prometheus metrics (admin)",
    security: BEARER,
    middleware: [requireAdmin()] as const,
    responses: {
      200: {
        description: "Prometheus text exposition format 0.0.4.",
        content: { "text/plain": { schema: z.string() } },
      },
      ...AUTH_ERRORS,
      ...STORAGE_ERRORS,
    },
  });

  app.openapi(metrics, async (c) => {
    const text = await deps.metrics.renderPrometheus();
    return c.text(text, 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
  });
}
