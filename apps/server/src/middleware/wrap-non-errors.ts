import type { MiddlewareHandler } from "hono";

/**
 * Middleware: turns a thrown non-Error (a string, an object) into an Error, which
 * Hono then hands to `onError` (it rethrows non-Errors out of `app.fetch`).
 */
export function wrapNonErrors(): MiddlewareHandler {
  return async function wrapNonErrors(_c, next) {
    try {
      await next();
    } catch (error) {
      if (error instanceof Error) throw error;
      throw new Error(`non-Error thrown: ${String(error)}`, { cause: error });
    }
  };
}
