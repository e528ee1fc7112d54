// The fuzz tokens, the tenants they cover and the grant an Authorization header can
// legitimately carry: what the auth oracles of fuzz-http and isolation compare against.

/** The fuzz tokens: one per tenant 1 (A) and 2 (B), one admin. Tenant 3 is covered by the admin only. */
export const TOKENS = {
  tenantA: "fuzz-tenant-a-token-0123456789",
  tenantB: "fuzz-tenant-b-token-0123456789",
  admin: "fuzz-admin-token-0123456789abcdef",
} as const;

/** Tenant A: its own token covers it. */
export const TENANT_A = 1n;
/** Tenant B: its own token covers it. */
export const TENANT_B = 2n;
/** The protected tenant P: only the admin token covers it. */
export const TENANT_P = 3n;

/** The token file of {@link TOKENS}. */
export const TOKEN_FILE = {
  tokens: [
    { name: "tenant-a", token: TOKENS.tenantA, tenants: [TENANT_A.toString()] },
    { name: "tenant-b", token: TOKENS.tenantB, tenants: [TENANT_B.toString()] },
    { name: "admin", token: TOKENS.admin, admin: true },
  ],
};

/** What the holder of an Authorization header may touch: tenants, or everything (admin). */
export interface Grant {
  readonly admin: boolean;
  readonly tenants: ReadonlySet<bigint>;
}

/**
 * The most an Authorization header can legitimately grant: the union of what every
 * configured token that appears in it covers. A server that grants more (a store call on
 * another tenant, a 2xx on an admin route) has an auth bug, however the header is spelled.
 */
export function grantOf(authorization: string | undefined): Grant {
  const tenants = new Set<bigint>();
  if (authorization === undefined) return { admin: false, tenants };
  if (authorization.includes(TOKENS.admin)) return { admin: true, tenants };
  if (authorization.includes(TOKENS.tenantA)) tenants.add(TENANT_A);
  if (authorization.includes(TOKENS.tenantB)) tenants.add(TENANT_B);
  return { admin: false, tenants };
}

/** True when `grant` may touch `tenant`. */
export function covers(grant: Grant, tenant: bigint): boolean {
  return grant.admin || grant.tenants.has(tenant);
}
