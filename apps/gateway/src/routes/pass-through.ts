import type { Context } from "hono";
import type { GatewayDeps, GatewayEnv } from "../gateway-deps.ts";
import { clientResponseHeaders, upstreamRequestHeaders } from "../upstream/forward-headers.ts";
import { upstreamPath } from "./upstream-paths.ts";

/**
 * Every other `/v1/*` request: sent to the upstream as it came (method, path, query, body
 * streamed, the tenancy's credential) and its answer streamed back unchanged, never cached.
 * The caller must still be known to the tenancy (401 otherwise), so the gateway is no open
 * relay to the provider.
 *
 * @example app.all("/v1/*", passThrough(deps));
 */
export function passThrough(deps: GatewayDeps) {
  return async function passThroughHandler(c: Context<GatewayEnv>): Promise<Response> {
    const caller = deps.tenancy.resolve(c.req.header("authorization") ?? null);
    c.set("caller", caller);
    const request = c.req.raw;
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    const response = await deps.upstream.open({
      method: request.method,
      path: upstreamPath(request.url),
      headers: upstreamRequestHeaders(request.headers, caller.upstreamAuthorization),
      body: hasBody ? request.body : null,
      signal: request.signal,
    });
    return new Response(response.body, { status: response.status, headers: clientResponseHeaders(response.headers) });
  };
}
