import { createRoute, z } from "@hono/zod-openapi";
import type { EntryHandle, EntryStore } from "@reflex/core";
import { OCTET_STREAM_TYPE } from "../wire/content.ts";
import { etagOf, ifNoneMatchMatches } from "../wire/etag.ts";
import { BEARER, ENTRY_ERRORS, EntryParams } from "../wire/schemas.ts";
import type { App, RouteDeps } from "./deps.ts";
import { registerHotEntryRoute } from "./hot-route.ts";
import { withLoadedEntry } from "./with-loaded-entry.ts";

/** Payloads from this size are streamed from the entry's view instead of copied whole into the response. */
export const STREAM_FROM_BYTES = 1024 * 1024;
const STREAM_CHUNK_BYTES = 256 * 1024;

/**
 * A response body that writes `view` in chunks, waiting for each to drain, and calls
 * `done` once when it has been sent or the client went away (then the view may go).
 */
function streamView(view: Uint8Array, done: () => void): ReadableStream<Uint8Array> {
  let finished = false;
  const finish = () => {
    if (!finished) {
      finished = true;
      done();
    }
  };
  const source: Bun.DirectUnderlyingSource<Uint8Array> = {
    type: "direct",
    async pull(controller) {
      try {
        for (let offset = 0; offset < view.byteLength; offset += STREAM_CHUNK_BYTES) {
          // Awaiting the write waits while the socket is backed up: one chunk in flight at a time.
          await controller.write(view.subarray(offset, Math.min(view.byteLength, offset + STREAM_CHUNK_BYTES)));
        }
      } finally {
        finish();
        controller.close();
      }
    },
    cancel: finish,
  };
  return new ReadableStream<Uint8Array>(source);
}

/** Registers `GET /v1/tenants/{tenant}/entries/{id}/payload`: the raw payload bytes with an ETag. */
export function registerPayloadRoute(app: App, deps: RouteDeps): void {
  const { store } = deps;

  const route = createRoute({
    method: "get",
    path: "/v1/tenants/{tenant}/entries/{id}/payload",
    tags: ["entries"],
    summary: "Raw payload bytes",
    description: "The entry's payload_blob as is, with a strong ETag; If-None-Match answers 304.",
    security: BEARER,
    request: { params: EntryParams },
    responses: {
      200: {
        description: "The payload.",
        headers: {
          ETag: { schema: { type: "string" }, description: "Strong validator of the payload." },
          Expires: { schema: { type: "string" }, description: "When the entry expires (HTTP date); absent: never." },
        },
        content: { [OCTET_STREAM_TYPE]: { schema: z.string().openapi({ format: "binary" }) } },
      },
      304: { description: "If-None-Match matched: not modified." },
      ...ENTRY_ERRORS,
    },
  });

  registerHotEntryRoute(app, route, (c) =>
    payloadResponse(store, c.var.tenantId, c.var.entryId, c.req.header("if-none-match")),
  );
}

/**
 * The answer of GET payload for an entry whose ids and access are checked: the payload
 * bytes with a strong ETag (304 when `ifNoneMatch` matches) and `Expires` when it expires.
 * Shared by the Hono route and the fast route.
 */
export function payloadResponse(
  store: EntryStore,
  tenantId: bigint,
  entryId: bigint,
  ifNoneMatch: string | null | undefined,
): Response | Promise<Response> {
  return withLoadedEntry(store, entryId, tenantId, (handle) => payloadAnswer(handle, ifNoneMatch));
}

function payloadAnswer(handle: EntryHandle, ifNoneMatch: string | null | undefined): Response {
  let streaming = false;
  try {
    const payload = handle.payloadBlob; // a view of the file's mapping or buffer: no decode, no base64
    const etag = etagOf(payload.byteLength, handle.payloadDigest);
    if (ifNoneMatchMatches(ifNoneMatch ?? undefined, etag))
      return new Response(null, { status: 304, headers: { ETag: etag } });
    const headers: Record<string, string> = { "Content-Type": OCTET_STREAM_TYPE, ETag: etag };
    if (handle.expiresAt !== 0n) headers.Expires = new Date(Number(handle.expiresAt) * 1000).toUTCString();
    if (payload.byteLength < STREAM_FROM_BYTES) {
      // Bun takes the body's bytes when the Response is built (one copy into its native
      // body store, none on the JS heap), so the handle can be released right after. Its
      // Content-Length comes from the bytes.
      return new Response(payload, { status: 200, headers });
    }
    // A large payload is streamed from the view in chunks, so a request holds one chunk
    // rather than a whole copy (64 requests of a 16 MiB entry held ~1 GiB of copies).
    // Bun.serve sends a stream chunked: the Content-Length set here holds for app.request only.
    headers["Content-Length"] = String(payload.byteLength);
    streaming = true;
    return new Response(
      streamView(payload, () => handle.release()),
      { status: 200, headers },
    );
  } finally {
    if (!streaming) handle.release();
  }
}
