import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.ts";
import type { Logger } from "../logger.ts";

/**
 * Middleware: one line per request once it is answered, e.g.
 * `2025-01-01T12:00:00.000Z PUT /v1/tenants/1/entries/42 201 1.8ms app-1`
 * (time, method, path, status, duration, token name).
 */
export function requestLogger(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function requestLogger(c, next) {
    const start = performance.now();
    await next();
    const ms = (performance.now() - start).toFixed(1);
    const who = c.get("principal")?.name ?? "-";
    const path = new URL(c.req.url).pathname; // still percent-encoded: no control characters reach the log
    logger.info(`${new Date().toISOString()} ${c.req.method} ${path} ${c.res.status} ${ms}ms ${who}`);
  };
}
