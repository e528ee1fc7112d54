// A whole request: a coherent one (the token covers the tenant, the ids are valid, the
// body matches its Content-Type and tenant), then a few perturbations of it, so the fuzz
// reaches every layer: auth, routing, validation, body decoding and the store.
import { decodeEntryBody, type EntryFields, U64_MAX } from "@reflex/codec";
import fc from "fast-check";
import { encodeProto, type FuzzBody, fuzzBody, utf8 } from "./bodies.ts";
import { fuzzAccept, fuzzAuthorization, fuzzContentLength, fuzzContentType, fuzzIfNoneMatch } from "./headers.ts";
import { canonicalId, hostileId, U64_MAX_TEXT } from "./ids.ts";
import { fuzzMethod, fuzzQuery, PATH_MUTATIONS, PATH_TEMPLATES } from "./paths.ts";
import { TENANT_A, TENANT_B, TENANT_P, TOKENS } from "./tokens.ts";
import { encodeSegment, segmentEncoding } from "./url-encoding.ts";

/** One generated HTTP request. */
export interface FuzzRequest {
  readonly method: string;
  /** Path and query, as written into the request target. */
  readonly target: string;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
  readonly contentLength: string | undefined;
  readonly ifNoneMatch: string | undefined;
  readonly body: FuzzBody;
}

/** A request being built: its path and query still apart. */
interface Draft {
  method: string;
  template: string;
  tenant: string;
  id: string;
  mutatePath: (path: string) => string;
  query: string;
  authorization: string | undefined;
  contentType: string | undefined;
  accept: string | undefined;
  contentLength: string | undefined;
  ifNoneMatch: string | undefined;
  body: FuzzBody;
}

type Perturbation = (draft: Draft) => void;

/** The routes of the HTTP table, weighted like traffic (PUT and GET of entries first). */
const ROUTES = [
  { weight: 6, method: "PUT", template: "/v1/tenants/{t}/entries/{i}" },
  { weight: 4, method: "GET", template: "/v1/tenants/{t}/entries/{i}" },
  { weight: 2, method: "HEAD", template: "/v1/tenants/{t}/entries/{i}" },
  { weight: 2, method: "DELETE", template: "/v1/tenants/{t}/entries/{i}" },
  { weight: 2, method: "GET", template: "/v1/tenants/{t}/entries/{i}/payload" },
  { weight: 2, method: "GET", template: "/v1/tenants/{t}/entries" },
  { weight: 1, method: "GET", template: "/v1/tenants" },
  { weight: 1, method: "GET", template: "/v1/stats" },
  { weight: 1, method: "POST", template: "/v1/maintenance/cleanup" },
  { weight: 1, method: "GET", template: "/metrics" },
  { weight: 1, method: "GET", template: "/healthz" },
] as const;

const PRINCIPALS = [
  { token: TOKENS.tenantA, tenant: TENANT_A },
  { token: TOKENS.tenantB, tenant: TENANT_B },
  { token: TOKENS.admin, tenant: TENANT_P },
] as const;

const coherent = fc.record({
  route: fc.oneof(
    ...ROUTES.map(({ weight, method, template }) => ({ weight, arbitrary: fc.constant({ method, template }) })),
  ),
  principal: fc.constantFrom(...PRINCIPALS),
  id: canonicalId,
  encoding: fc.constantFrom("json", "protobuf"),
  omitTenant: fc.boolean(),
  entry: fc.record({
    contextHash: fc.bigInt({ min: 0n, max: U64_MAX }),
    timestamp: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
    embedding: fc.uint8Array({ maxLength: 64 }),
    payloadBlob: fc.uint8Array({ maxLength: 512 }),
  }),
});

type Coherent = typeof coherent extends fc.Arbitrary<infer T> ? T : never;

function draftOf({ route, principal, id, encoding, omitTenant, entry }: Coherent): Draft {
  const tenant = principal.tenant;
  const fields: EntryFields = { tenantId: tenant, ...entry };
  const isPut = route.method === "PUT";
  const json = {
    ...(omitTenant ? {} : { tenantId: tenant.toString() }),
    contextHash: entry.contextHash.toString(),
    timestamp: entry.timestamp.toString(),
    embedding: Buffer.from(entry.embedding).toString("base64"),
    payloadBlob: Buffer.from(entry.payloadBlob).toString("base64"),
  };
  return {
    method: route.method,
    template: route.template,
    tenant: tenant.toString(),
    id,
    mutatePath: (path) => path,
    query: "",
    authorization: `Bearer ${principal.token}`,
    contentType: isPut ? (encoding === "json" ? "application/json" : "application/x-protobuf") : undefined,
    accept: undefined,
    contentLength: undefined,
    ifNoneMatch: undefined,
    body: isPut ? (encoding === "json" ? utf8(JSON.stringify(json)) : encodeProto(fields)) : undefined,
  };
}

/** Perturbations of the path, method, query and headers. */
const REQUEST_PERTURBATIONS: fc.Arbitrary<Perturbation>[] = [
  fc.tuple(hostileId, segmentEncoding).map(([text, enc]) => (d: Draft) => {
    d.tenant = encodeSegment(text, enc);
  }),
  fc.tuple(hostileId, segmentEncoding).map(([text, enc]) => (d: Draft) => {
    d.id = encodeSegment(text, enc);
  }),
  fc.tuple(canonicalId, segmentEncoding).map(([text, enc]) => (d: Draft) => {
    d.id = encodeSegment(text, enc); // a valid id, spelled percent-encoded
  }),
  fc.constantFrom("1", "2", "3", "4", U64_MAX_TEXT).map((tenant) => (d: Draft) => {
    d.tenant = tenant; // maybe a tenant the token does not cover
  }),
  fc.nat(PATH_MUTATIONS.length - 1).map((i) => (d: Draft) => {
    d.mutatePath = PATH_MUTATIONS[i] as (path: string) => string;
  }),
  fc.constantFrom(...PATH_TEMPLATES).map((template) => (d: Draft) => {
    d.template = template;
  }),
  fuzzMethod.map((method) => (d: Draft) => {
    d.method = method;
  }),
  fuzzQuery.map((query) => (d: Draft) => {
    d.query = query;
  }),
  fuzzAuthorization.map((authorization) => (d: Draft) => {
    d.authorization = authorization;
  }),
  fuzzContentType.map((contentType) => (d: Draft) => {
    d.contentType = contentType;
  }),
  fuzzAccept.map((accept) => (d: Draft) => {
    d.accept = accept;
  }),
  fuzzContentLength.map((contentLength) => (d: Draft) => {
    d.contentLength = contentLength;
  }),
  fuzzIfNoneMatch.map((ifNoneMatch) => (d: Draft) => {
    d.ifNoneMatch = ifNoneMatch;
  }),
];

/** Perturbations of the body: replaced, cut, bit-flipped, extended, oversized. */
function bodyPerturbations(maxBodyBytes: number): fc.Arbitrary<Perturbation>[] {
  return [
    fuzzBody(maxBodyBytes).map((body) => (d: Draft) => {
      d.body = body;
    }),
    fc.nat().map((cut) => (d: Draft) => {
      if (d.body !== undefined) d.body = d.body.slice(0, cut % (d.body.length + 1));
    }),
    fc
      .array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 })
      .map((flips) => (d: Draft) => {
        if (d.body === undefined || d.body.length === 0) return;
        const bytes = d.body.slice();
        for (const [at, mask] of flips) {
          const i = at % bytes.length;
          bytes[i] = (bytes[i] ?? 0) ^ mask;
        }
        d.body = bytes;
      }),
    fc.uint8Array({ minLength: 1, maxLength: 16 }).map((tail) => (d: Draft) => {
      if (d.body === undefined) return;
      const bytes = new Uint8Array(d.body.length + tail.length);
      bytes.set(d.body);
      bytes.set(tail, d.body.length);
      d.body = bytes;
    }),
    fc.constantFrom("1", "2", "3", "0", U64_MAX_TEXT).map((tenant) => (d: Draft) => {
      // The body names a tenant of its own (422 unless it is the path's).
      if (d.body === undefined) return;
      const text = new TextDecoder().decode(d.body);
      if (text.startsWith("{")) {
        try {
          d.body = utf8(JSON.stringify({ ...JSON.parse(text), tenantId: tenant }));
        } catch {
          // not JSON after all: leave it
        }
      } else {
        try {
          d.body = encodeProto({ ...decodeEntryBody(d.body), tenantId: BigInt(tenant) });
        } catch {
          // not protobuf after all: leave it
        }
      }
    }),
  ];
}

function finish(draft: Draft): FuzzRequest {
  const path = draft.mutatePath(draft.template.replace("{t}", draft.tenant).replaceAll("{i}", draft.id));
  return {
    method: draft.method,
    target: `${path}${draft.query}`,
    authorization: draft.authorization,
    contentType: draft.contentType,
    accept: draft.accept,
    contentLength: draft.contentLength,
    ifNoneMatch: draft.ifNoneMatch,
    body: draft.body,
  };
}

function perturbed(
  base: fc.Arbitrary<Coherent>,
  perturbations: fc.Arbitrary<Perturbation>[],
): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(
      base,
      fc.oneof(
        { weight: 1, arbitrary: fc.constant<Perturbation[]>([]) },
        { weight: 4, arbitrary: fc.array(fc.oneof(...perturbations), { minLength: 1, maxLength: 3 }) },
      ),
    )
    .map(([request, changes]) => {
      const draft = draftOf(request);
      for (const change of changes) change(draft);
      return finish(draft);
    });
}

/** Requests over the whole API: coherent ones and perturbations of their paths, methods, headers, tokens and bodies. */
export function fuzzRequest(maxBodyBytes: number): fc.Arbitrary<FuzzRequest> {
  return perturbed(coherent, [...REQUEST_PERTURBATIONS, ...bodyPerturbations(maxBodyBytes)]);
}

/** PUTs of an entry with valid paths and tokens: the body and its headers are what is perturbed. */
export function fuzzPut(maxBodyBytes: number): fc.Arbitrary<FuzzRequest> {
  const put = coherent.map((request) => ({ ...request, route: ROUTES[0] }));
  return perturbed(put, [
    ...bodyPerturbations(maxBodyBytes),
    fuzzContentType.map((contentType) => (d: Draft) => {
      d.contentType = contentType;
    }),
    fuzzContentLength.map((contentLength) => (d: Draft) => {
      d.contentLength = contentLength;
    }),
    fc
      .constantFrom("?ttl=0", "?ttl=3600", "?ttl=-1", "?ttl=x", "?ttl=1&ttl=2", "?ttl=99999999999")
      .map((query) => (d: Draft) => {
        d.query = query;
      }),
  ]);
}
