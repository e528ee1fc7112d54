import type { TokenSet } from "@reflex/server";
import { GatewayError } from "../gateway-error.ts";
import { bearerToken } from "./bearer-token.ts";
import { keyedTenant } from "./keyed-tenant.ts";

/** The tenant of requests that carry no credential, when the operator allows them. */
export const ANONYMOUS_TENANT = 0n;

/** Who a request is, for the cache and for the upstream. */
export interface Caller {
  /** The cache partition: no answer is ever served across tenants. */
  readonly tenant: bigint;
  /**
   * The `Authorization` header to send upstream: the client's own (pass-through), the
   * configured upstream key (token file), or undefined to send none.
   */
  readonly upstreamAuthorization: string | undefined;
  /** A name for the request log (never the token): `keyed`, `anonymous`, or the token's name. */
  readonly name: string;
}

/** How a request's `Authorization` header becomes a {@link Caller}. */
export interface Tenancy {
  /** Which mode this is, for the startup notice and the README. */
  readonly mode: "pass-through" | "token-file";
  /** The caller of `authorization`; `missing_credentials` / `invalid_credentials` GatewayErrors. */
  resolve(authorization: string | null): Caller;
}

/** Options of {@link passThroughTenancy}. */
export interface PassThroughOptions {
  /** The HMAC key of tenant ids. */
  readonly secret: Uint8Array;
  /** Serve requests without a bearer token as {@link ANONYMOUS_TENANT} (sent upstream without Authorization). */
  readonly allowAnonymous: boolean;
}

const ANONYMOUS_PASS_THROUGH: Caller = {
  tenant: ANONYMOUS_TENANT,
  upstreamAuthorization: undefined,
  name: "anonymous",
};

/**
 * Pass-through mode: the client's `Authorization` goes upstream as it is (the gateway never
 * stores a key) and the tenant is {@link keyedTenant} of its bearer token.
 *
 * @example passThroughTenancy({ secret, allowAnonymous: false }).resolve("Bearer sk-1").tenant
 */
export function passThroughTenancy(options: PassThroughOptions): Tenancy {
  return {
    mode: "pass-through",
    resolve(authorization) {
      const token = bearerToken(authorization);
      if (token === undefined) {
        if (authorization === null && options.allowAnonymous) return ANONYMOUS_PASS_THROUGH;
        throw missing(authorization);
      }
      return {
        tenant: keyedTenant(options.secret, token),
        upstreamAuthorization: authorization ?? undefined,
        name: "keyed",
      };
    },
  };
}

/** Options of {@link tokenFileTenancy}. */
export interface TokenFileOptions {
  /** The gateway's tokens (the server's token file format); each must grant exactly one tenant. */
  readonly tokens: TokenSet;
  /** The key the gateway sends upstream for every caller; undefined sends no Authorization. */
  readonly upstreamKey: string | undefined;
  /** Serve requests without a bearer token as {@link ANONYMOUS_TENANT}. */
  readonly allowAnonymous: boolean;
}

/**
 * Token-file mode: the client presents a gateway token, whose one tenant is the caller's
 * tenant; the gateway sends its own upstream key. An unknown token is 401.
 *
 * @example tokenFileTenancy({ tokens, upstreamKey, allowAnonymous: false }).resolve("Bearer gw-token-1")
 */
export function tokenFileTenancy(options: TokenFileOptions): Tenancy {
  const upstreamAuthorization = options.upstreamKey === undefined ? undefined : `Bearer ${options.upstreamKey}`;
  return {
    mode: "token-file",
    resolve(authorization) {
      const token = bearerToken(authorization);
      if (token === undefined) {
        if (authorization === null && options.allowAnonymous) {
          return { tenant: ANONYMOUS_TENANT, upstreamAuthorization, name: "anonymous" };
        }
        throw missing(authorization);
      }
      const principal = options.tokens.authenticate(token);
      const tenant = principal === undefined ? undefined : onlyTenant(principal.tenants);
      if (principal === undefined || tenant === undefined) {
        throw new GatewayError("invalid_credentials", "the bearer token is not one of this gateway's tokens");
      }
      return { tenant, upstreamAuthorization, name: principal.name };
    },
  };
}

/** The one tenant of a grant, or undefined when it grants none or several. */
export function onlyTenant(tenants: ReadonlySet<bigint>): bigint | undefined {
  if (tenants.size !== 1) return undefined;
  for (const tenant of tenants) return tenant;
  return undefined;
}

function missing(authorization: string | null): GatewayError {
  return authorization === null
    ? new GatewayError("missing_credentials", "an Authorization: Bearer header is required")
    : new GatewayError("invalid_credentials", "the Authorization header must be `Bearer <token>`");
}
