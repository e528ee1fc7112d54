// Route authorization: what the authenticated principal may touch (else 403).
import { isCodecError, parseU64 } from "@reflex/codec";
import type { MiddlewareHandler } from "hono";
import { coversTenant, type Principal } from "../auth/principal.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";

/**
 * Route middleware: the `{tenant}` path parameter must be a decimal u64 (else 400)
 * that the principal covers (else 403).
 *
 * @example createRoute({ method: "get", path: "/v1/tenants/{tenant}/entries", middleware: [requireTenantAccess()] as const, ... })
 */
export function requireTenantAccess(): MiddlewareHandler<AppEnv> {
  return async function requireTenantAccess(c, next) {
    c.set("tenantId", coveredTenant(c.req.param("tenant"), c.var.principal));
    return next();
  };
}

/**
 * Route middleware of the hot entry routes: `{tenant}` as {@link requireTenantAccess}
 * checks it, then `{id}` with the same id grammar (else 400), both parsed once and
 * left on the context as `tenantId` and `entryId` for the handler.
 */
export function requireEntryAccess(): MiddlewareHandler<AppEnv> {
  return async function requireEntryAccess(c, next) {
    c.set("tenantId", coveredTenant(c.req.param("tenant"), c.var.principal));
    c.set("entryId", parsedId(c.req.param("id"), "entry id"));
    return next();
  };
}

/** A path id parsed with the store's one grammar; 400 `invalid_id` with the codec's message otherwise. */
export function parsedId(text: string | undefined, what: string): bigint {
  try {
    return parseU64(text ?? "", what);
  } catch (error) {
    if (isCodecError(error)) throw new ApiError(400, "invalid_id", error.message);
    throw error;
  }
}

/** The tenant of the path, when the principal covers it (else 403). */
export function coveredTenant(text: string | undefined, principal: Principal): bigint {
  const tenant = parsedId(text, "tenant");
  if (!coversTenant(principal, tenant)) {
    throw new ApiError(403, "forbidden", `token ${principal.name} does not cover tenant ${tenant}`);
  }
  return tenant;
}

/** Route middleware: only an admin principal passes (else 403). */
export function requireAdmin(): MiddlewareHandler<AppEnv> {
  return async function requireAdmin(c, next) {
    const principal = c.var.principal;
    if (!principal.admin) throw new ApiError(403, "forbidden", `token ${principal.name} is not an admin token`);
    return next();
  };
}
