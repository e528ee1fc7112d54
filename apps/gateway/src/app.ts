import { PROMETHEUS_CONTENT_TYPE } from "@reflex/stats";
import { Hono } from "hono";
import type { GatewayDeps, GatewayEnv } from "./gateway-deps.ts";
import { errorResponse, GatewayError, isGatewayError } from "./gateway-error.ts";
import type { RequestLog } from "./observe/request-log.ts";
import { observeRequests } from "./observe/request-observer.ts";
import { cachedEndpoint } from "./routes/cached-endpoint.ts";
import { passThrough } from "./routes/pass-through.ts";

/** The gateway's Hono app. */
export type GatewayApp = Hono<GatewayEnv>;

/** Options of {@link createGatewayApp}. */
export interface GatewayAppOptions {
  /** Where request lines go; undefined logs none. */
  readonly requestLog?: RequestLog | undefined;
}

/**
 * The gateway's routes over its parts: `POST /v1/chat/completions` and `POST /v1/embeddings`
 * through the exact cache, every other `/v1/*` passed through, `GET /healthz`, `GET /metrics`.
 * Errors of the gateway itself answer in OpenAI's error shape; an unexpected one is a 500
 * whose details go to the log only.
 *
 * @example
 * const app = createGatewayApp(deps);
 * Bun.serve({ hostname: "127.0.0.1", port: 8080, fetch: app.fetch });
 */
export function createGatewayApp(deps: GatewayDeps, options: GatewayAppOptions = {}): GatewayApp {
  const app = new Hono<GatewayEnv>();
  app.use(observeRequests({ http: deps.http, log: options.requestLog }));
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/metrics", (c) =>
    c.body(deps.metrics.render(deps.http, deps.process), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }),
  );
  app.post("/v1/chat/completions", cachedEndpoint(deps, "chat.completions"));
  app.post("/v1/embeddings", cachedEndpoint(deps, "embeddings"));
  app.all("/v1/*", passThrough(deps));
  app.notFound(() => errorResponse(new GatewayError("not_found", "no such route on this gateway")));
  app.onError((error, c) => {
    if (isGatewayError(error)) {
      if (error.status >= 500) deps.logger.error(`reflex-gateway: ${error.message}`, error.cause, c.get("requestId"));
      return errorResponse(error);
    }
    deps.logger.error("reflex-gateway: unexpected error", error, c.get("requestId"));
    return errorResponse(new GatewayError("internal_error", "internal gateway error"));
  });
  return app;
}
