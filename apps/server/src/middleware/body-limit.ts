import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";

/** The largest payload the default limits take in every encoding (and `reflex put`): 16 MiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

/**
 * Default request body limit: 24 MiB, so a {@link DEFAULT_MAX_PAYLOAD_BYTES} payload fits as
 * JSON too (base64 is 4/3 of it: 21.3 MiB), with an embedding of up to ~1.9 MiB beside it.
 * The largest payload at this limit: protobuf 24 MiB less the other fields (7 bytes with no
 * embedding and zero hash and timestamp), JSON 18 MiB less 3/4 of the other fields' text.
 */
export const DEFAULT_MAX_BODY_BYTES = 24 * 1024 * 1024;

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, "payload_too_large", `request body is larger than the limit of ${maxBytes} bytes`);
}

/**
 * Reads a request body, refusing it (413) as soon as it is known to exceed
 * `maxBytes`: at once from `Content-Length`, else while streaming, so an
 * oversized body is never read whole. Returns the bytes in an exactly sized buffer.
 */
export async function readBodyLimited(request: Request, maxBytes: number): Promise<ArrayBuffer> {
  const lengthHeader = request.headers.get("content-length");
  let declared: number | undefined;
  if (lengthHeader !== null && !request.headers.has("transfer-encoding")) {
    if (!/^\d{1,15}$/.test(lengthHeader.trim())) {
      throw new ApiError(400, "bad_request", `malformed Content-Length ${JSON.stringify(lengthHeader.slice(0, 40))}`);
    }
    declared = Number(lengthHeader.trim());
    if (declared > maxBytes) throw tooLarge(maxBytes);
  }
  if (request.body === null) return new ArrayBuffer(0);
  let buffer = new Uint8Array(declared ?? Math.min(maxBytes, 64 * 1024));
  let size = 0;
  const reader = request.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const end = size + value.byteLength;
      if (end > maxBytes) throw tooLarge(maxBytes);
      if (end > buffer.byteLength) {
        const grown = new Uint8Array(Math.min(maxBytes, Math.max(end, buffer.byteLength * 2)));
        grown.set(buffer.subarray(0, size));
        buffer = grown;
      }
      buffer.set(value, size);
      size = end;
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  }
  const bytes = buffer.buffer as ArrayBuffer;
  return size === bytes.byteLength ? bytes : bytes.transfer(size);
}

/** Options of {@link bodyLimit}. */
export interface BodyLimitOptions {
  /** Largest body accepted, in bytes. Default {@link DEFAULT_MAX_BODY_BYTES}. */
  readonly maxBytes?: number;
}

/**
 * Route middleware: reads the body under the limit (see {@link readBodyLimited}) and
 * leaves it in Hono's body cache, so `c.req.arrayBuffer()`, `c.req.json()` and the
 * route's validators read the checked bytes rather than the raw stream.
 *
 * @example app.put("/upload", bodyLimit({ maxBytes: 1 << 20 }), handler)
 */
export function bodyLimit(options: BodyLimitOptions = {}): MiddlewareHandler<AppEnv> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  return async function bodyLimit(c, next) {
    const bytes = await readBodyLimited(c.req.raw, maxBytes);
    // Hono's body cache holds promises of parsed bodies (its type says otherwise).
    (c.req.bodyCache as unknown as { arrayBuffer?: Promise<ArrayBuffer> }).arrayBuffer = Promise.resolve(bytes);
    return next();
  };
}
