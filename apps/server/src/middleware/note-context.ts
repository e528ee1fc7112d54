import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.ts";

/**
 * Middleware: leaves the request's Hono context on the request observer's note (when
 * `Bun.serve` passed one as the env), so the observer reads the route template,
 * principal and tenant once the answer is ready. Not async: no promise of its own.
 */
export function noteContext(): MiddlewareHandler<AppEnv> {
  return function noteContext(c, next) {
    const note = c.env?.note;
    if (note !== undefined) note.context = c;
    return next();
  };
}
