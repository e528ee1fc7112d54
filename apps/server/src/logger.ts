import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env.ts";

/** Where the server writes its human-readable lines. */
export interface Logger {
  /** One line per request, and lifecycle messages. */
  info(line: string): void;
  /** Server-side failures (5xx causes); may include paths and causes never sent to clients. */
  error(line: string): void;
}

/** A logger that writes nothing (the default of `createApp`, and what tests use). */
export const silentLogger: Logger = { info() {}, error() {} };

/** A logger that writes request lines to stdout and errors to stderr. */
export const consoleLogger: Logger = {
  info(line) {
    process.stdout.write(`${line}\n`);
  },
  error(line) {
    process.stderr.write(`${line}\n`);
  },
};

/**
 * Middleware: one line per request once it is answered, e.g.
 * `2025-01-01T12:00:00.000Z PUT /v1/tenants/1/entries/42 201 1.8ms app-1`
 * (time, method, path, status, duration, token name).
 */
export function requestLogger(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function requestLogger(c, next) {
    const start = performance.now();
    await next();
    const ms = (performance.now() - start).toFixed(1);
    const who = c.get("principal")?.name ?? "-";
    const path = new URL(c.req.url).pathname; // still percent-encoded: no control characters reach the log
    logger.info(`${new Date().toISOString()} ${c.req.method} ${path} ${c.res.status} ${ms}ms ${who}`);
  };
}
