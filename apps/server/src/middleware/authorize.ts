// Route authorization: what the authenticated principal may touch (else 403).
import { isCodecError, parseU64 } from "@reflex/codec";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { coversTenant } from "../principal.ts";

/**
 * Route middleware: the `{tenant}` path parameter must be a decimal u64 (else 400)
 * that the principal covers (else 403).
 *
 * @example createRoute({ method: "get", path: "/v1/tenants/{tenant}/entries", middleware: [requireTenantAccess()] as const, ... })
 */
export function requireTenantAccess(): MiddlewareHandler<AppEnv> {
  return async function requireTenantAccess(c, next) {
    const text = c.req.param("tenant") ?? "";
    let tenant: bigint;
    try {
      tenant = parseU64(text, "tenant");
    } catch (error) {
      if (isCodecError(error)) throw new ApiError(400, "invalid_id", error.message);
      throw error;
    }
    const principal = c.var.principal;
    if (!coversTenant(principal, tenant)) {
      throw new ApiError(403, "forbidden", `token ${principal.name} does not cover tenant ${tenant}`);
    }
    return next();
  };
}

/** Route middleware: only an admin principal passes (else 403). */
export function requireAdmin(): MiddlewareHandler<AppEnv> {
  return async function requireAdmin(c, next) {
    const principal = c.var.principal;
    if (!principal.admin) throw new ApiError(403, "forbidden", `token ${principal.name} is not an admin token`);
    return next();
  };
}
