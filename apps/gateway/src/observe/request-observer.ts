import { REQUEST_ID_HEADER, requestIdOf } from "@reflex/server";
import { type HttpMetrics, UNMATCHED_ROUTE } from "@reflex/stats";
import type { Context, MiddlewareHandler, Next } from "hono";
import type { GatewayEnv } from "../gateway-deps.ts";
import type { RequestLog } from "./request-log.ts";

/** Options of {@link observeRequests}. */
export interface ObserveOptions {
  readonly http: HttpMetrics;
  /** Where request lines go; undefined logs none. */
  readonly log: RequestLog | undefined;
}

/**
 * Middleware that gives every request its id (`X-Request-Id`, echoed when safe, else new,
 * the server's `requestIdOf`), puts it on every answer, records the route template, status
 * class and duration in the HTTP metrics, and writes the request line with its outcome and
 * tenant (never a header, a prompt or a key).
 *
 * @example app.use(observeRequests({ http, log }));
 */
export function observeRequests(options: ObserveOptions): MiddlewareHandler<GatewayEnv> {
  return async function observe(c: Context<GatewayEnv>, next: Next) {
    const start = performance.now();
    const id = requestIdOf(c.req.header(REQUEST_ID_HEADER) ?? null);
    c.set("requestId", id);
    await next();
    c.res.headers.set(REQUEST_ID_HEADER, id);
    const durationMs = performance.now() - start;
    const route = c.req.routePath === "/*" || c.req.routePath === "" ? UNMATCHED_ROUTE : c.req.routePath;
    options.http.record(c.req.method, route, c.res.status, durationMs * 1e6);
    options.log?.({
      requestId: id,
      method: c.req.method,
      route,
      status: c.res.status,
      durationMs,
      outcome: c.get("outcome"),
      tenant: c.get("caller")?.tenant,
      caller: c.get("caller")?.name,
    });
  };
}
