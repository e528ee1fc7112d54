/** Who a request acts as, once its token checked out. */
export interface Principal {
  /** A name for logs: the token's `name`, or `token#<n>`, or `anonymous` when auth is off. */
  readonly name: string;
  /** May touch every tenant and the admin routes (stats, tenant list, maintenance, metrics). */
  readonly admin: boolean;
  /** Tenants a non-admin token covers. */
  readonly tenants: ReadonlySet<bigint>;
}

/** The principal of every request when no tokens are configured (the server then binds loopback only). */
export const ANONYMOUS_ADMIN: Principal = { name: "anonymous", admin: true, tenants: new Set() };

/** True when `principal` may touch `tenant`: an admin, or a token whose tenants include it. */
export function coversTenant(principal: Principal, tenant: bigint): boolean {
  return principal.admin || principal.tenants.has(tenant);
}
