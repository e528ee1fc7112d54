/**
 * `@reflex/client`: a typed client of the Reflex store HTTP API, over fetch.
 *
 * @example
 * import { ReflexClient, isReflexClientError } from "@reflex/client";
 * const client = new ReflexClient({ baseUrl: "http://127.0.0.1:8080" });
 * await client.put(1n, 42n, { payloadBlob: new TextEncoder().encode("hello") });
 * const entry = await client.get(1n, 42n);
 *
 * @example
 * // an https server with a self-signed certificate (or a private CA): trust that PEM
 * const ca = await Bun.file("cert.pem").text();
 * const secure = new ReflexClient({ baseUrl: "https://127.0.0.1:8443", token: process.env.REFLEX_TOKEN, tls: { ca } });
 */
/** The server's error codes (`@reflex/codec`'s list), the part of {@link ReflexClientErrorCode} the server sends. */
export type { ApiErrorCode } from "@reflex/codec";
export { isReflexClientError, ReflexClientError, type ReflexClientErrorCode } from "./client-error.ts";
export type { Id } from "./ids.ts";
export { ReflexClient, type ReflexClientOptions } from "./reflex-client.ts";
export { type ClientOptions, type ClientTlsOptions, MAX_BACKOFF_MS } from "./transport.ts";
export type {
  BatchGetEntry,
  BatchGetResult,
  DamagedEntry,
  Entry,
  EntryInput,
  ListPage,
  PayloadResult,
  PutOptions,
  PutResult,
  SearchHit,
  SearchQuery,
  SearchResult,
  StoreStats,
  TouchResult,
  WireEncoding,
} from "./types.ts";
