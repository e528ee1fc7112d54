import { isReflexClientError } from "./client-error.ts";
import { type Id, idOf, idText, pathId } from "./ids.ts";
import { fetchListPage, followPages } from "./listing.ts";
import { checkSearchK } from "./search-query.ts";
import { searchRequestBody, searchResultOfJson, searchResultOfProtobuf } from "./search-wire.ts";
import { type ClientOptions, isMissing, resolveClientOptions, Transport } from "./transport.ts";
import type {
  BatchGetResult,
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
import {
  batchGetOfJson,
  batchGetOfProtobuf,
  decodeAnswer,
  encodePutBody,
  entryFields,
  entryOfJson,
  entryOfProtobuf,
  JSON_TYPE,
  PROTOBUF,
} from "./wire.ts";

/** Options of a {@link ReflexClient}: the transport's, and the default wire encoding. */
export interface ReflexClientOptions extends ClientOptions {
  /** Entries, batch-gets and searches as JSON or binary protobuf. Default `"protobuf"` (no base64). */
  readonly encoding?: WireEncoding;
}

const enc = (tenant: Id): string => pathId(tenant, "tenant");
const entryPath = (tenant: Id, id: Id) => `/v1/tenants/${enc(tenant)}/entries/${pathId(id, "entry id")}`;

/**
 * A typed client of every route of the Reflex store HTTP API, over `fetch`.
 *
 * Written by hand rather than from Hono's RPC types: the server registers its routes with
 * separate functions, so `ReflexApp` carries no route types (`hc<ReflexApp>` types as
 * `unknown`), and the RPC client would give neither bigint ids nor protobuf bodies.
 *
 * Every failure is a `ReflexClientError` (the server's `code` and `status`). GET, HEAD,
 * PUT, DELETE and the read-only POSTs (batch-get, search) are retried on a network error
 * or a 503 (`retries`, backoff doubling from `backoffMs`); touch and cleanup are not.
 *
 * @example
 * const client = new ReflexClient({ baseUrl: "http://127.0.0.1:8080", token: process.env.REFLEX_TOKEN });
 * await client.put(1n, 42n, { payloadBlob: new TextEncoder().encode("hello") }, { ttlSeconds: 3600 });
 * const entry = await client.get(1n, 42n); // null when missing
 */
export class ReflexClient {
  readonly #transport: Transport;
  readonly #encoding: WireEncoding;

  constructor(options: ReflexClientOptions) {
    this.#transport = new Transport(resolveClientOptions(options));
    this.#encoding = options.encoding ?? "protobuf";
  }

  /**
   * `PUT /v1/tenants/{tenant}/entries/{id}[?ttl=]`: stores (or replaces) an entry. The result's
   * `durability` is `"master-only"` when the server stored it with that weaker promise.
   */
  async put(tenant: Id, id: Id, entry: EntryInput, options: PutOptions = {}): Promise<PutResult> {
    const encoding = options.encoding ?? this.#encoding;
    const response = await this.#transport.call({
      method: "PUT",
      path: entryPath(tenant, id),
      query: { ttl: options.ttlSeconds?.toString() },
      body: encodePutBody(entryFields(idOf(tenant, "tenant"), entry), encoding),
      contentType: encoding === "protobuf" ? PROTOBUF : JSON_TYPE,
      idempotent: true,
    });
    const body = (await response.json()) as { tenant: string; id: string; created: boolean; durability?: string };
    const result = { tenant: BigInt(body.tenant), id: BigInt(body.id), created: body.created };
    return body.durability === "master-only" ? { ...result, durability: "master-only" } : result;
  }

  /** `GET /v1/tenants/{tenant}/entries/{id}`: the entry, or null when there is none. */
  async get(tenant: Id, id: Id, options: { readonly encoding?: WireEncoding } = {}): Promise<Entry | null> {
    const encoding = options.encoding ?? this.#encoding;
    const response = await this.#transport.call({
      method: "GET",
      path: entryPath(tenant, id),
      accept: encoding === "protobuf" ? PROTOBUF : JSON_TYPE,
      idempotent: true,
      allow: [404],
    });
    if (await isMissing(response)) return null;
    return decodeAnswer(response, encoding, "entry", entryOfProtobuf, entryOfJson);
  }

  /** `HEAD /v1/tenants/{tenant}/entries/{id}`: true when the entry exists and loads intact. */
  async exists(tenant: Id, id: Id): Promise<boolean> {
    const response = await this.#transport.call({
      method: "HEAD",
      path: entryPath(tenant, id),
      idempotent: true,
      allow: [404],
    });
    return response.status === 200;
  }

  /** `DELETE /v1/tenants/{tenant}/entries/{id}`: true when it deleted one, false when there was none. */
  async delete(tenant: Id, id: Id): Promise<boolean> {
    try {
      await this.#transport.call({ method: "DELETE", path: entryPath(tenant, id), idempotent: true });
      return true;
    } catch (error) {
      if (isReflexClientError(error, "not_found")) return false;
      throw error;
    }
  }

  /** `GET .../payload`: the raw payload bytes and ETag; 304 when `ifNoneMatch` is still current; null when missing. */
  async getPayload(tenant: Id, id: Id, options: { readonly ifNoneMatch?: string } = {}): Promise<PayloadResult | null> {
    const response = await this.#transport.call({
      method: "GET",
      path: `${entryPath(tenant, id)}/payload`,
      ...(options.ifNoneMatch === undefined ? {} : { headers: { "If-None-Match": options.ifNoneMatch } }),
      idempotent: true,
      allow: [304, 404],
    });
    const etag = response.headers.get("etag") ?? "";
    if (await isMissing(response)) return null;
    if (response.status === 304) return { status: 304, etag };
    const bytes = new Uint8Array(await response.arrayBuffer());
    return { status: 200, bytes, etag, expires: response.headers.get("expires") };
  }

  /** `POST .../entries/batch-get`: up to 1,000 entries in one call. */
  async batchGet(
    tenant: Id,
    ids: readonly Id[],
    options: { readonly encoding?: WireEncoding } = {},
  ): Promise<BatchGetResult> {
    const encoding = options.encoding ?? this.#encoding;
    const response = await this.#transport.call({
      method: "POST",
      path: `/v1/tenants/${enc(tenant)}/entries/batch-get`,
      body: JSON.stringify({ ids: ids.map((id) => idText(id, "entry id")) }),
      contentType: JSON_TYPE,
      accept: encoding === "protobuf" ? PROTOBUF : JSON_TYPE,
      idempotent: true,
    });
    return decodeAnswer(response, encoding, "batch-get", batchGetOfProtobuf, batchGetOfJson);
  }

  /** `POST .../entries/{id}/touch?ttl=S`: a new time to live (0: never); null when missing. */
  async touch(tenant: Id, id: Id, ttlSeconds: number): Promise<TouchResult | null> {
    const response = await this.#transport.call({
      method: "POST",
      path: `${entryPath(tenant, id)}/touch`,
      query: { ttl: String(ttlSeconds) },
      idempotent: false,
      allow: [404],
    });
    if (await isMissing(response)) return null;
    const body = (await response.json()) as { tenant: string; id: string; expiresAt: string };
    return { tenant: BigInt(body.tenant), id: BigInt(body.id), expiresAt: BigInt(body.expiresAt) };
  }

  /**
   * `POST /v1/tenants/{tenant}/search`: the nearest entries by cosine similarity, best first
   * (within one context hash with `query.contextHash`).
   */
  async search(tenant: Id, query: SearchQuery): Promise<SearchHit[]> {
    return (await this.searchWithNearest(tenant, query)).hits;
  }

  /**
   * {@link search}, and `nearest`: the best similarity the server saw among the candidates,
   * also on a miss (null with none), to tune `minSimilarity` from real traffic.
   */
  async searchWithNearest(tenant: Id, query: SearchQuery): Promise<SearchResult> {
    checkSearchK(query.k);
    const encoding = query.encoding ?? this.#encoding;
    const body = searchRequestBody(query, encoding);
    const response = await this.#transport.call({
      method: "POST",
      path: `/v1/tenants/${enc(tenant)}/search`,
      body,
      contentType: encoding === "protobuf" ? PROTOBUF : JSON_TYPE,
      accept: encoding === "protobuf" ? PROTOBUF : JSON_TYPE,
      idempotent: true,
    });
    return decodeAnswer(response, encoding, "search", searchResultOfProtobuf, searchResultOfJson);
  }

  /** `GET /v1/tenants/{tenant}/entries?limit=&after=`: one page of ids, ascending. */
  async list(
    tenant: Id,
    options: { readonly limit?: number | undefined; readonly after?: Id | undefined } = {},
  ): Promise<ListPage> {
    return fetchListPage(this.#transport, tenant, {
      limit: options.limit?.toString(),
      after: options.after === undefined ? undefined : idText(options.after, "after"),
    });
  }

  /** Every id of the tenant, a page (`pageSize`, default 1000) per call. */
  listAll(tenant: Id, options: { readonly pageSize?: number } = {}): AsyncGenerator<bigint> {
    return followPages((after) => this.list(tenant, { limit: options.pageSize, after }));
  }

  /**
   * `GET /v1/tenants/{tenant}/entries?contextHash=N`: the ids with that context hash, newest
   * first: every one (a page per call, following `next`), or the first `limit`.
   */
  async findByContext(tenant: Id, contextHash: bigint, options: { readonly limit?: number } = {}): Promise<bigint[]> {
    const ids: bigint[] = [];
    const pages = followPages(
      (after, want) =>
        this.findByContextPage(tenant, contextHash, {
          limit: want === undefined ? undefined : Math.min(want, 10_000),
          after,
        }),
      options.limit,
    );
    for await (const id of pages) ids.push(id);
    return ids;
  }

  /**
   * One page of {@link findByContext}: at most `limit` ids (server default 1000), starting after
   * `after` (an id of that list, the previous page's `next`); `next` is null on the last page.
   */
  async findByContextPage(
    tenant: Id,
    contextHash: bigint,
    options: { readonly limit?: number | undefined; readonly after?: Id | undefined } = {},
  ): Promise<ListPage> {
    return fetchListPage(this.#transport, tenant, {
      contextHash: contextHash.toString(),
      limit: options.limit?.toString(),
      after: options.after === undefined ? undefined : idText(options.after, "after"),
    });
  }

  /** `GET /v1/tenants` (admin): every tenant id, ascending. */
  async tenants(): Promise<bigint[]> {
    const response = await this.#transport.call({ method: "GET", path: "/v1/tenants", idempotent: true });
    return ((await response.json()) as { tenants: string[] }).tenants.map(BigInt);
  }

  /** `DELETE /v1/tenants/{tenant}`: the whole tenant; null when it has no directory. */
  async deleteTenant(tenant: Id): Promise<{ tenant: bigint; removed: number } | null> {
    const response = await this.#transport.call({
      method: "DELETE",
      path: `/v1/tenants/${enc(tenant)}`,
      idempotent: true,
      allow: [404],
    });
    if (await isMissing(response)) return null;
    const body = (await response.json()) as { tenant: string; removed: number };
    return { tenant: BigInt(body.tenant), removed: body.removed };
  }

  /** `GET /v1/stats` (admin): live counts and operation figures. */
  async stats(): Promise<StoreStats> {
    const response = await this.#transport.call({ method: "GET", path: "/v1/stats", idempotent: true });
    const body = (await response.json()) as Omit<StoreStats, "perTenant"> & {
      perTenant: { tenant: string; entries: number; bytes: number }[];
    };
    return { ...body, perTenant: body.perTenant.map((t) => ({ ...t, tenant: BigInt(t.tenant) })) };
  }

  /** `POST /v1/maintenance/cleanup` (admin): removes empty tenant directories. */
  async cleanup(): Promise<{ removed: number }> {
    const response = await this.#transport.call({ method: "POST", path: "/v1/maintenance/cleanup", idempotent: false });
    return (await response.json()) as { removed: number };
  }

  /** `GET /healthz` (public). */
  async healthz(): Promise<{ status: "ok" }> {
    const response = await this.#transport.call({ method: "GET", path: "/healthz", idempotent: true });
    return (await response.json()) as { status: "ok" };
  }

  /** `GET /metrics` (admin): Prometheus text. */
  async metrics(): Promise<string> {
    const response = await this.#transport.call({ method: "GET", path: "/metrics", idempotent: true });
    return response.text();
  }
}
