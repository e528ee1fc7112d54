import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors.ts";

/**
 * Throws a 400 `bad_request` for a GET or HEAD request that declares content: a
 * Content-Length above 0 or any Transfer-Encoding. Bun.serve hands such a body to no
 * handler (the Request has none), and when the request asks `Connection: close` it closes
 * the socket while the unread body is still arriving: the kernel then resets the
 * connection and an answer longer than the first 128,000 bytes written is cut off (Bun
 * 1.4.5; a 128 KB `/metrics` arrived cut at 128,000 bytes with ECONNRESET, for curl and
 * for a raw socket alike). A short error answer is written whole before that close.
 */
export function refuseContentOnGet(request: Request): void {
  const { method } = request;
  if (method !== "GET" && method !== "HEAD") return;
  const { headers } = request;
  const length = headers.get("content-length");
  const encoding = headers.get("transfer-encoding");
  if (encoding === null && (length === null || /^\s*0*\s*$/.test(length))) return;
  const declared = encoding === null ? `Content-Length ${length}` : `Transfer-Encoding ${encoding}`;
  throw new ApiError(
    400,
    "bad_request",
    `a ${method} request carries no content, but this one declares ${JSON.stringify(declared.slice(0, 60))}: send it without a body`,
  );
}

/** Middleware: {@link refuseContentOnGet} on every request the app serves. */
export function refuseGetContent(): MiddlewareHandler {
  return async function refuseGetContent(c, next) {
    refuseContentOnGet(c.req.raw);
    await next();
  };
}
