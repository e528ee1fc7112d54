// The scripted requests of the OpenAPI conformance check: every route, every content type
// (JSON, application/x-protobuf, application/protobuf, an octet-stream payload) and the
// error answers, for a server with auth off and one with a token file.
import { create, toBinary } from "@bufbuild/protobuf";
import { encodeEntryBody, SearchRequestSchema } from "@reflex/codec";

/** One request and what the server must answer. */
export interface Case {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array;
  /** The status the server answers. */
  readonly status: number;
  /**
   * The request breaks the document itself (a path id or query value outside its pattern):
   * Prism must refuse it as a request violation, and the server, asked directly, must answer
   * `status`. Without it, any violation Prism reports fails the check.
   */
  readonly refusedByDocument?: true;
}

/** The bearer tokens of the auth-on run (a token file the driver writes). */
export const TOKENS = {
  admin: "conformance-admin-token-0123456789",
  tenant1: "conformance-tenant1-token-0123456789",
} as const;

/** The token file of the auth-on run. */
export const TOKEN_FILE = {
  tokens: [
    { name: "ops", token: TOKENS.admin, admin: true },
    { name: "app", token: TOKENS.tenant1, tenants: ["1"] },
  ],
};

/** The id of the entry the driver writes damaged bytes for before the server starts. */
export const CORRUPT_ID = "99";

const JSON_TYPE = "application/json";
const X_PROTOBUF = "application/x-protobuf";
const PROTOBUF = "application/protobuf";
const EMBEDDING = new Uint8Array([0x00, 0x3c, 0x00, 0x00]); // f16 [1, 0]
const EMBEDDING_B64 = Buffer.from(EMBEDDING).toString("base64");

function json(value: unknown): { headers: Record<string, string>; body: string } {
  return { headers: { "content-type": JSON_TYPE }, body: JSON.stringify(value) };
}

function protobufEntry(tenantId: bigint, type: string): { headers: Record<string, string>; body: Uint8Array } {
  const entry = {
    tenantId,
    contextHash: 7n,
    timestamp: 1_700_000_000n,
    embedding: EMBEDDING,
    payloadBlob: new TextEncoder().encode("protobuf payload"),
  };
  return { headers: { "content-type": type }, body: encodeEntryBody(entry) };
}

function protobufSearch(type: string): { headers: Record<string, string>; body: Uint8Array } {
  const body = toBinary(SearchRequestSchema, create(SearchRequestSchema, { embedding: EMBEDDING, k: 5 }));
  return { headers: { "content-type": type, accept: type }, body };
}

const entry = (id: string) => `/v1/tenants/1/entries/${id}`;

/** The requests of a server with auth off (every request acts as admin), in order. */
export function authOffCases(maxBodyBytes: number): Case[] {
  const good = json({ contextHash: "7", embedding: EMBEDDING_B64, payloadBlob: "aGVsbG8=" });
  return [
    { name: "healthz", method: "GET", path: "/healthz", status: 200 },
    { name: "openapi.json", method: "GET", path: "/openapi.json", status: 200 },
    { name: "metrics", method: "GET", path: "/metrics", status: 200 },
    { name: "PUT json, created", method: "PUT", path: `${entry("42")}?ttl=3600`, ...good, status: 201 },
    { name: "PUT json, replaced", method: "PUT", path: entry("42"), ...good, status: 200 },
    { name: "PUT x-protobuf", method: "PUT", path: entry("43"), ...protobufEntry(1n, X_PROTOBUF), status: 201 },
    { name: "PUT protobuf", method: "PUT", path: entry("44"), ...protobufEntry(1n, PROTOBUF), status: 201 },
    { name: "PUT tenant 2", method: "PUT", path: "/v1/tenants/2/entries/1", ...json({ payloadBlob: "" }), status: 201 },
    { name: "PUT ttl 0", method: "PUT", path: `${entry("45")}?ttl=0`, ...good, status: 201 },
    {
      name: "PUT text/plain",
      method: "PUT",
      path: entry("46"),
      headers: { "content-type": "text/plain" },
      body: "x",
      status: 415,
      refusedByDocument: true,
    },
    { name: "PUT tenant mismatch", method: "PUT", path: entry("46"), ...json({ tenantId: "2" }), status: 422 },
    {
      name: "PUT bad json field",
      method: "PUT",
      path: entry("46"),
      ...json({ payload: "x" }),
      status: 400,
      refusedByDocument: true,
    },
    {
      name: "PUT bad protobuf",
      method: "PUT",
      path: entry("46"),
      headers: { "content-type": X_PROTOBUF },
      body: new Uint8Array([0xff, 0xff]),
      status: 400,
    },
    {
      name: "PUT over the body limit",
      method: "PUT",
      path: entry("46"),
      headers: { "content-type": X_PROTOBUF },
      body: new Uint8Array(maxBodyBytes + 1),
      status: 413,
    },
    { name: "PUT bad id", method: "PUT", path: entry("046"), ...good, status: 400, refusedByDocument: true },
    {
      name: "PUT bad ttl",
      method: "PUT",
      path: `${entry("46")}?ttl=1.5`,
      ...good,
      status: 400,
      refusedByDocument: true,
    },
    {
      name: "PUT ttl of 11 digits",
      method: "PUT",
      path: `${entry("46")}?ttl=10000000000`,
      ...good,
      status: 400,
      refusedByDocument: true,
    },
    { name: "GET json", method: "GET", path: entry("42"), status: 200 },
    { name: "GET x-protobuf", method: "GET", path: entry("42"), headers: { accept: X_PROTOBUF }, status: 200 },
    { name: "GET protobuf", method: "GET", path: entry("42"), headers: { accept: PROTOBUF }, status: 200 },
    { name: "GET missing", method: "GET", path: entry("7"), status: 404 },
    { name: "GET corrupt", method: "GET", path: entry(CORRUPT_ID), status: 500 },
    { name: "GET bad id", method: "GET", path: entry("abc"), status: 400, refusedByDocument: true },
    { name: "HEAD", method: "HEAD", path: entry("42"), status: 200 },
    { name: "HEAD missing", method: "HEAD", path: entry("7"), status: 404 },
    { name: "HEAD corrupt", method: "HEAD", path: entry(CORRUPT_ID), status: 500 },
    { name: "payload", method: "GET", path: `${entry("42")}/payload`, status: 200 },
    { name: "payload missing", method: "GET", path: `${entry("7")}/payload`, status: 404 },
    { name: "touch", method: "POST", path: `${entry("42")}/touch?ttl=60`, status: 200 },
    { name: "touch missing entry", method: "POST", path: `${entry("7")}/touch?ttl=60`, status: 404 },
    {
      name: "touch without ttl",
      method: "POST",
      path: `${entry("42")}/touch`,
      status: 400,
      refusedByDocument: true,
    },
    ...batchGetCases(),
    ...searchCases(),
    { name: "list", method: "GET", path: "/v1/tenants/1/entries", status: 200 },
    { name: "list page", method: "GET", path: "/v1/tenants/1/entries?limit=1&after=42", status: 200 },
    { name: "list by context", method: "GET", path: "/v1/tenants/1/entries?contextHash=7&limit=1", status: 200 },
    {
      name: "list limit 0",
      method: "GET",
      path: "/v1/tenants/1/entries?limit=0",
      status: 400,
      refusedByDocument: true,
    },
    {
      name: "list after with contextHash",
      method: "GET",
      path: "/v1/tenants/1/entries?contextHash=7&after=42",
      status: 200,
    },
    { name: "tenants", method: "GET", path: "/v1/tenants", status: 200 },
    { name: "stats", method: "GET", path: "/v1/stats", status: 200 },
    { name: "cleanup", method: "POST", path: "/v1/maintenance/cleanup", status: 200 },
    { name: "DELETE", method: "DELETE", path: entry("43"), status: 204 },
    { name: "DELETE missing", method: "DELETE", path: entry("43"), status: 404 },
    { name: "DELETE tenant", method: "DELETE", path: "/v1/tenants/2", status: 200 },
    { name: "DELETE tenant missing", method: "DELETE", path: "/v1/tenants/2", status: 404 },
  ];
}

function batchGetCases(): Case[] {
  const path = "/v1/tenants/1/entries/batch-get";
  const ids = json({ ids: ["42", "44", "7", CORRUPT_ID] });
  return [
    { name: "batch-get json", method: "POST", path, ...ids, status: 200 },
    {
      name: "batch-get x-protobuf",
      method: "POST",
      path,
      ...ids,
      headers: { ...ids.headers, accept: X_PROTOBUF },
      status: 200,
    },
    {
      name: "batch-get protobuf",
      method: "POST",
      path,
      ...ids,
      headers: { ...ids.headers, accept: PROTOBUF },
      status: 200,
    },
    { name: "batch-get bad id", method: "POST", path, ...json({ ids: ["x"] }), status: 400, refusedByDocument: true },
    {
      name: "batch-get text/plain",
      method: "POST",
      path,
      headers: { "content-type": "text/plain" },
      body: '{"ids":[]}',
      status: 415,
      refusedByDocument: true,
    },
  ];
}

function searchCases(): Case[] {
  const path = "/v1/tenants/1/search";
  return [
    {
      name: "search json",
      method: "POST",
      path,
      ...json({ embedding: EMBEDDING_B64, k: 5, minSimilarity: 0.5 }),
      status: 200,
    },
    { name: "search x-protobuf", method: "POST", path, ...protobufSearch(X_PROTOBUF), status: 200 },
    { name: "search protobuf", method: "POST", path, ...protobufSearch(PROTOBUF), status: 200 },
    { name: "search zero embedding", method: "POST", path, ...json({ embedding: "AAAAAA==" }), status: 400 },
  ];
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The requests of a server with a token file: who may do what. */
export function authOnCases(): Case[] {
  const good = json({ payloadBlob: "aGVsbG8=" });
  return [
    { name: "healthz, no token", method: "GET", path: "/healthz", status: 200 },
    { name: "openapi.json, no token", method: "GET", path: "/openapi.json", status: 200 },
    { name: "tenants, no token", method: "GET", path: "/v1/tenants", status: 401, refusedByDocument: true },
    { name: "tenants, wrong token", method: "GET", path: "/v1/tenants", headers: bearer("x".repeat(20)), status: 401 },
    { name: "tenants, tenant token", method: "GET", path: "/v1/tenants", headers: bearer(TOKENS.tenant1), status: 403 },
    { name: "tenants, admin", method: "GET", path: "/v1/tenants", headers: bearer(TOKENS.admin), status: 200 },
    { name: "metrics, tenant token", method: "GET", path: "/metrics", headers: bearer(TOKENS.tenant1), status: 403 },
    { name: "metrics, admin", method: "GET", path: "/metrics", headers: bearer(TOKENS.admin), status: 200 },
    {
      name: "PUT, tenant token",
      method: "PUT",
      path: entry("42"),
      body: good.body,
      headers: { ...good.headers, ...bearer(TOKENS.tenant1) },
      status: 201,
    },
    {
      name: "PUT other tenant",
      method: "PUT",
      path: "/v1/tenants/2/entries/42",
      body: good.body,
      headers: { ...good.headers, ...bearer(TOKENS.tenant1) },
      status: 403,
    },
    { name: "GET, no token", method: "GET", path: entry("42"), status: 401, refusedByDocument: true },
    { name: "GET, tenant token", method: "GET", path: entry("42"), headers: bearer(TOKENS.tenant1), status: 200 },
    {
      name: "batch-get, tenant token",
      method: "POST",
      path: "/v1/tenants/1/entries/batch-get",
      ...json({ ids: ["42"] }),
      headers: { "content-type": JSON_TYPE, ...bearer(TOKENS.tenant1) },
      status: 200,
    },
    { name: "stats, admin", method: "GET", path: "/v1/stats", headers: bearer(TOKENS.admin), status: 200 },
  ];
}
