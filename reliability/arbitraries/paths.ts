// Paths, methods and queries: the route templates of the HTTP table and near misses,
// mangled paths, hostile query strings and methods.
import fc from "fast-check";
import { canonicalId, hostileId, idSegment } from "./ids.ts";
import { safeEncodeComponent } from "./url-encoding.ts";

/** Route templates of the HTTP table, and near misses of them. */
export const PATH_TEMPLATES = [
  "/v1/tenants/{t}/entries/{i}",
  "/v1/tenants/{t}/entries/{i}/payload",
  "/v1/tenants/{t}/entries",
  "/v1/tenants",
  "/v1/stats",
  "/v1/maintenance/cleanup",
  "/metrics",
  "/healthz",
  "/openapi.json",
  "/v1/tenants/{t}",
  "/v1/tenants/{t}/entries/{i}/{i}",
  "/v1/tenants/{t}/entries/{i}/payload/{i}",
  "/v1/{t}/{i}",
  "/v1/tenants/{t}/{i}",
  "/",
  "/v1",
  "/v1/",
  "/v2/tenants/{t}/entries/{i}",
] as const;

/** How a whole path is mangled after the ids are in. */
export const PATH_MUTATIONS = [
  (path: string) => path,
  (path: string) => `${path}/`,
  (path: string) => path.replaceAll("/", "//"),
  (path: string) => `/${path}`,
  (path: string) => path.replace("/entries", "/./entries"),
  (path: string) => path.replace("/entries", "/x/../entries"),
  (path: string) => path.replace("/entries", "/%2e/entries"),
  (path: string) => path.replace("/v1/", "/v1/%2e%2e/v1/"),
  (path: string) => path.toUpperCase(),
  (path: string) => path.replace("tenants", "Tenants"),
  (path: string) => path.replace("/v1/", "/V1/"),
  (path: string) => path.replace("tenants", "%74enants"),
  (path: string) => path.replace("entries", "entrie%73"),
  (path: string) => path.replace("/v1/", "/v1%2F"),
  (path: string) => path.replaceAll("/", "\\"),
  (path: string) => `${path};x=1`,
  (path: string) => `${path}%00`,
  (path: string) => `${path}.json`,
] as const;

/** A path: a template with ids filled in, sometimes mangled. */
export const fuzzPath: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...PATH_TEMPLATES),
    idSegment,
    idSegment,
    fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(PATH_MUTATIONS.length - 1) }),
  )
  .map(([template, tenant, id, mutation]) =>
    (PATH_MUTATIONS[mutation] as (path: string) => string)(template.replace("{t}", tenant).replaceAll("{i}", id)),
  );

/** A query string (with its `?`) of the API's parameters and others, hostile values included. */
export const fuzzQuery: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constant("") },
  {
    weight: 2,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.constantFrom("limit", "after", "ttl", "limit", "after", "ttl", "x", "", "limit[]", "LIMIT", "__proto__"),
          fc.oneof(
            canonicalId,
            hostileId,
            fc.constantFrom("1", "10000", "10001", "0", "-1", "1.5", "1e3", "", "4294967296", "9999999999"),
          ),
        ),
        { maxLength: 4 },
      )
      .map((pairs) =>
        pairs.length === 0 ? "?" : `?${pairs.map(([key, value]) => `${key}=${safeEncodeComponent(value)}`).join("&")}`,
      ),
  },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 40 }).map((text) => `?${text}`) },
);

/** HTTP methods: the API's, others, and lower-case spellings (Bun's Request maps unknown ones to GET). */
export const fuzzMethod: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom("GET", "PUT", "DELETE", "HEAD") },
  { weight: 2, arbitrary: fc.constantFrom("POST", "PATCH", "OPTIONS", "get", "put", "delete", "PROPFIND", "FOO") },
);

/** Paths of the routes that name a tenant, for the isolation tests. */
export const TENANT_ROUTES = [
  { method: "PUT", path: "/v1/tenants/{t}/entries/{i}" },
  { method: "GET", path: "/v1/tenants/{t}/entries/{i}" },
  { method: "HEAD", path: "/v1/tenants/{t}/entries/{i}" },
  { method: "DELETE", path: "/v1/tenants/{t}/entries/{i}" },
  { method: "GET", path: "/v1/tenants/{t}/entries/{i}/payload" },
  { method: "GET", path: "/v1/tenants/{t}/entries" },
] as const;

/** The admin routes (a tenant token gets 403). */
export const ADMIN_ROUTES = [
  { method: "GET", path: "/v1/tenants" },
  { method: "GET", path: "/v1/stats" },
  { method: "POST", path: "/v1/maintenance/cleanup" },
  { method: "GET", path: "/metrics" },
] as const;
