import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { ANONYMOUS_ADMIN } from "../principal.ts";
import type { TokenSet } from "../token-set.ts";

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
    if (tokens === undefined) {
      c.set("principal", ANONYMOUS_ADMIN);
      return next();
    }
    const header = c.req.header("authorization");
    if (header === undefined) throw unauthorized("missing bearer token: send Authorization: Bearer <token>");
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (match === null) throw unauthorized("malformed Authorization header: expected Bearer <token>");
    const principal = tokens.authenticate(match[1] as string);
    if (principal === undefined) throw unauthorized("invalid bearer token");
    c.set("principal", principal);
    return next();
  };
}
