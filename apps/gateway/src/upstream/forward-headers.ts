/**
 * Request headers never sent upstream: hop-by-hop headers, those `fetch` sets itself (host,
 * length, the encodings it can decode), the caller's credential (the tenancy decides what
 * goes upstream) and the gateway's own controls.
 */
const DROPPED_REQUEST_HEADERS = new Set([
  "host",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "content-length",
  "accept-encoding",
  "authorization",
  "cache-control",
  "x-reflex-ttl",
  "x-request-id",
]);

/**
 * Response headers never passed back: hop-by-hop ones, and the body's encoding and length,
 * because `fetch` hands the gateway the decoded body.
 */
const DROPPED_RESPONSE_HEADERS = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "trailer",
  "upgrade",
  "content-encoding",
  "content-length",
  "date",
  "server",
]);

/**
 * The headers of the upstream request: the client's, less {@link DROPPED_REQUEST_HEADERS},
 * with `authorization` set to what the tenancy chose (none when undefined).
 *
 * @example upstreamRequestHeaders(request.headers, caller.upstreamAuthorization)
 */
export function upstreamRequestHeaders(client: Headers, authorization: string | undefined): Headers {
  const headers = new Headers();
  for (const [name, value] of client) {
    if (!DROPPED_REQUEST_HEADERS.has(name) && !name.startsWith("x-reflex-")) headers.set(name, value);
  }
  if (authorization !== undefined) headers.set("authorization", authorization);
  return headers;
}

/** The upstream's response headers that go back to the client (see {@link DROPPED_RESPONSE_HEADERS}). */
export function clientResponseHeaders(upstream: Headers): Headers {
  const headers = new Headers();
  for (const [name, value] of upstream) {
    if (!DROPPED_RESPONSE_HEADERS.has(name)) headers.append(name, value);
  }
  return headers;
}
