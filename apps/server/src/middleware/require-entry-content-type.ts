import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors.ts";
import { JSON_TYPE, PROTOBUF_TYPE, requestEncoding } from "../wire/content.ts";

/**
 * Route middleware: a request body must be JSON or protobuf (else 415), checked
 * from the Content-Type before a byte of the body is read.
 */
export function requireEntryContentType(): MiddlewareHandler {
  return async function requireEntryContentType(c, next) {
    const contentType = c.req.header("content-type");
    if (requestEncoding(contentType) === undefined) {
      throw new ApiError(
        415,
        "unsupported_media_type",
        `Content-Type must be ${JSON_TYPE} or ${PROTOBUF_TYPE}, got ${contentType === undefined ? "none" : JSON.stringify(contentType.slice(0, 80))}`,
      );
    }
    return next();
  };
}
