import type { MiddlewareHandler } from "hono";
import { ANONYMOUS_ADMIN, type Principal } from "../auth/principal.ts";
import type { TokenSet } from "../auth/token-set.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";

const BEARER_REALM = { "WWW-Authenticate": 'Bearer realm="reflex"' };

function unauthorized(message: string): ApiError {
  return new ApiError(401, "unauthorized", message, { headers: BEARER_REALM });
}

/**
 * Middleware: reads `Authorization: Bearer <token>` and sets `c.var.principal`,
 * or answers 401. With no tokens (`undefined`), every request is {@link ANONYMOUS_ADMIN}.
 *
 * @example app.use("/v1/*", authenticate(TokenSet.fromFile(process.env.REFLEX_TOKENS!)))
 */
export function authenticate(tokens: TokenSet | undefined): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    c.set("principal", principalFor(tokens, c.req.header("authorization")));
    return next();
  };
}

/**
 * Who an `Authorization` header names: {@link ANONYMOUS_ADMIN} with no tokens configured,
 * else the principal of its bearer token; a 401 `ApiError` for none or a bad one.
 */
export function principalFor(tokens: TokenSet | undefined, header: string | null | undefined): Principal {
  if (tokens === undefined) return ANONYMOUS_ADMIN;
  if (header === undefined || header === null) {
    throw unauthorized("missing bearer token: send Authorization: Bearer <token>");
  }
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (match === null) throw unauthorized("malformed Authorization header: expected Bearer <token>");
  const principal = tokens.authenticate(match[1] as string);
  if (principal === undefined) throw unauthorized("invalid bearer token");
  return principal;
}
