// Shared by the input-fuzzing and isolation tests (fuzz-http, fuzz-cli, isolation): the
// fast-check generators of hostile ids, paths, headers, tokens and bodies, the tokens and
// marked entries the oracles look for, and the file-system snapshots that prove nothing
// was created outside the store root. Not a test file itself.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { decodeEntryBody, type EntryFields, encodeEntryBody, encodeEnvelope, U64_MAX } from "@reflex/codec";
import fc from "fast-check";

// ---------------------------------------------------------------------------------------
// Tokens and tenants

/** Largest u64 as text. */
export const U64_MAX_TEXT = U64_MAX.toString();

/** The fuzz tokens: one per tenant 1 (A) and 2 (B), one admin. Tenant 3 is covered by the admin only. */
export const TOKENS = {
  tenantA: "fuzz-tenant-a-token-0123456789",
  tenantB: "fuzz-tenant-b-token-0123456789",
  admin: "fuzz-admin-token-0123456789abcdef",
} as const;

/** Tenant A, B and the protected tenant P (only the admin token covers it). */
export const TENANT_A = 1n;
export const TENANT_B = 2n;
export const TENANT_P = 3n;

/** The token file of {@link TOKENS}. */
export const TOKEN_FILE = {
  tokens: [
    { name: "tenant-a", token: TOKENS.tenantA, tenants: [TENANT_A.toString()] },
    { name: "tenant-b", token: TOKENS.tenantB, tenants: [TENANT_B.toString()] },
    { name: "admin", token: TOKENS.admin, admin: true },
  ],
};

/** What the holder of an Authorization header may touch: tenants, or everything (admin). */
export interface Grant {
  readonly admin: boolean;
  readonly tenants: ReadonlySet<bigint>;
}

/**
 * The most an Authorization header can legitimately grant: the union of what every
 * configured token that appears in it covers. A server that grants more (a store call on
 * another tenant, a 2xx on an admin route) has an auth bug, however the header is spelled.
 */
export function grantOf(authorization: string | undefined): Grant {
  const tenants = new Set<bigint>();
  if (authorization === undefined) return { admin: false, tenants };
  if (authorization.includes(TOKENS.admin)) return { admin: true, tenants };
  if (authorization.includes(TOKENS.tenantA)) tenants.add(TENANT_A);
  if (authorization.includes(TOKENS.tenantB)) tenants.add(TENANT_B);
  return { admin: false, tenants };
}

/** True when `grant` may touch `tenant`. */
export function covers(grant: Grant, tenant: bigint): boolean {
  return grant.admin || grant.tenants.has(tenant);
}

// ---------------------------------------------------------------------------------------
// Marked entries: a response that carries another tenant's marker is a leak

/** Ids of the seeded, marked entries of every tenant. */
export const SEEDED_IDS: readonly bigint[] = [0n, 1n, 42n, U64_MAX];

/** The marker in every payload of `tenant`'s seeded entries (36 bytes: a multiple of 3, so its base64 is fixed too). */
export function markerOf(tenant: bigint): string {
  return `SECRET-MARK-OF-TENANT-${tenant.toString().padStart(13, "0")}-`;
}

/** The marker of the decoy entry files planted outside the root: seen in a response, it is a traversal. */
export const DECOY_MARKER = "DECOY-FILE-OUTSIDE-THE-STORE-ROOT!!!";

/** Every spelling of `marker` a response can carry: raw (payload, protobuf) and base64 (JSON). */
export function markerSpellings(marker: string): string[] {
  return [marker, Buffer.from(marker).toString("base64"), Buffer.from(marker).toString("base64url")];
}

/** The seeded entry (tenant, id): the tenant's marker, then the id. */
export function markedEntry(tenant: bigint, id: bigint): EntryFields {
  return {
    tenantId: tenant,
    contextHash: id ^ 0x5a5a_5a5an,
    timestamp: 1_700_000_000n,
    embedding: new Uint8Array([0, 60, 0, 60]),
    payloadBlob: new TextEncoder().encode(`${markerOf(tenant)}${id}`),
  };
}

/** Decoded text of a response body good enough to search for markers (latin1: every byte stays one char). */
export function searchableText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/** The tenants whose marker (or the decoy's) appears in `text`. */
export function leakedMarkers(text: string, tenants: readonly bigint[]): string[] {
  const found: string[] = [];
  for (const tenant of tenants) {
    if (markerSpellings(markerOf(tenant)).some((spelling) => text.includes(spelling))) found.push(`tenant ${tenant}`);
  }
  if (markerSpellings(DECOY_MARKER).some((spelling) => text.includes(spelling))) found.push("decoy outside the root");
  return found;
}

/**
 * Plants decoys next to the root (`<base>/<tenant>/<id>.rfx`, a valid entry file of
 * tenant 3 carrying {@link DECOY_MARKER}, and `<base>/canary/secret.txt`): what a path
 * traversal would read or overwrite.
 */
export function plantDecoys(base: string): void {
  const entry: EntryFields = {
    tenantId: TENANT_P,
    contextHash: 1n,
    timestamp: 1n,
    embedding: new Uint8Array(0),
    payloadBlob: new TextEncoder().encode(DECOY_MARKER),
  };
  for (const id of [1n, 42n]) {
    mkdirSync(join(base, TENANT_P.toString()), { recursive: true });
    writeFileSync(join(base, TENANT_P.toString(), `${id}.rfx`), encodeEnvelope(id, { ...entry, contextHash: id }));
  }
  mkdirSync(join(base, "canary"), { recursive: true });
  writeFileSync(join(base, "canary", "secret.txt"), DECOY_MARKER);
}

// ---------------------------------------------------------------------------------------
// File-system snapshots

/** Every file and directory under `dir` (relative, `/` for dirs), with a content hash for files, skipping `exclude`. */
export function treeSnapshot(dir: string, exclude: readonly string[] = []): Map<string, string> {
  const snapshot = new Map<string, string>();
  const walk = (current: string) => {
    for (const dirent of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, dirent.name);
      if (exclude.includes(path)) continue;
      const name = relative(dir, path).split(sep).join("/");
      if (dirent.isDirectory()) {
        snapshot.set(`${name}/`, "dir");
        walk(path);
      } else if (dirent.isFile()) {
        snapshot.set(name, createHash("sha256").update(readFileSync(path)).digest("hex"));
      } else {
        snapshot.set(name, "other");
      }
    }
  };
  walk(dir);
  return snapshot;
}

/** What differs between two snapshots: added, removed and changed names. */
export function snapshotDiff(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const diff: string[] = [];
  for (const [name, hash] of after) {
    if (!before.has(name)) diff.push(`added ${name}`);
    else if (before.get(name) !== hash) diff.push(`changed ${name}`);
  }
  for (const name of before.keys()) if (!after.has(name)) diff.push(`removed ${name}`);
  return diff;
}

/** Names a store write could leave: decimal ids, entry and temp files, the default root. */
const STORE_LIKE_NAME = /^(\d+|.*\.rfx|.*\.tmp|reflex-data)$/;

/** Store-like names at the top level of `dir` (e.g. the system temp dir, the repo), to compare before and after. */
export function storeLikeNames(dir: string): Set<string> {
  return new Set(readdirSync(dir).filter((name) => STORE_LIKE_NAME.test(name)));
}

/** Names in `after` and not in `before`. */
export function added(before: ReadonlySet<string>, after: ReadonlySet<string>): string[] {
  return [...after].filter((name) => !before.has(name));
}

/** The store's own marker file at the root, made by the first write with a TTL (packages/core/src/layout.ts). */
const TTL_MARKER = ".reflex-ttl";

const CANONICAL = /^(0|[1-9][0-9]{0,19})$/;

function isCanonicalU64(text: string): boolean {
  return CANONICAL.test(text) && BigInt(text) <= U64_MAX;
}

/**
 * Everything under a store root that is not `<tenant>/` or `<tenant>/<id>.rfx` with
 * canonical decimal u64 names (or the store's TTL marker) (a stray temp file, a name built from unchecked input, a
 * nested directory). The store creates nothing else, whatever the request.
 */
export function nonCanonicalPaths(root: string): string[] {
  const problems: string[] = [];
  for (const tenant of readdirSync(root, { withFileTypes: true })) {
    if (tenant.name === TTL_MARKER && tenant.isFile()) continue;
    if (!tenant.isDirectory() || !isCanonicalU64(tenant.name)) {
      problems.push(tenant.name);
      continue;
    }
    for (const file of readdirSync(join(root, tenant.name), { withFileTypes: true })) {
      const match = /^(.*)\.rfx$/.exec(file.name);
      if (!file.isFile() || match === null || !isCanonicalU64(match[1] as string)) {
        problems.push(`${tenant.name}/${file.name}`);
      }
    }
  }
  return problems;
}

/** Size and mtime of every file under a tenant dir, to tell whether anything there changed. */
export function tenantFingerprint(root: string, tenant: bigint): string {
  const dir = join(root, tenant.toString());
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return "absent";
  }
  return names
    .map((name) => {
      const stat = statSync(join(dir, name), { bigint: true });
      return `${name}:${stat.size}:${stat.mtimeNs}:${stat.ino}`;
    })
    .join(",");
}

// ---------------------------------------------------------------------------------------
// Ids

/** Canonical decimal u64 texts, biased to the seeded ids (so requests hit entries) and the edges. */
export const canonicalId: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("0", "1", "2", "3", "42", U64_MAX_TEXT) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: U64_MAX }).map(String) },
);

const HOSTILE_ID_CONSTANTS = [
  "",
  " ",
  "-0",
  "-1",
  "+1",
  "01",
  "007",
  "00",
  " 1",
  "1 ",
  "1\t",
  "\t1",
  "1\n",
  "0x1",
  "0X1F",
  "0b1",
  "0o7",
  "1e3",
  "1E3",
  "1.0",
  "1.",
  ".1",
  "1_000",
  "1,000",
  "18446744073709551616",
  "18446744073709551615000",
  "99999999999999999999",
  "340282366920938463463374607431768211456",
  "NaN",
  "Infinity",
  "-Infinity",
  "null",
  "undefined",
  "true",
  "[]",
  "{}",
  "[1]",
  "__proto__",
  "constructor",
  "toString",
  ".",
  "..",
  "...",
  "./1",
  "../1",
  "../../etc/passwd",
  "..\\..\\windows",
  "1/..",
  "1/../2",
  "1/",
  "/1",
  "//1",
  "1//2",
  "~",
  "~root",
  "*",
  "?",
  "#",
  "1?x=1",
  "1#frag",
  "1;2",
  "1;jsessionid=2",
  "%",
  "%%",
  "%zz",
  "%2",
  "%00",
  "1%00",
  "1%00.rfx",
  "%0a",
  "%0d%0a",
  "%20",
  "%2e",
  "%2e%2e",
  "%2E%2E",
  "%2e%2e%2f",
  "%2E%2E%2F",
  "%2e%2e/",
  "..%2f",
  "..%2F..%2Fetc%2Fpasswd",
  "%2e%2e%5c",
  "..%5c",
  "%252e%252e%252f",
  "%25",
  "%2f",
  "%2F",
  "1%2F2",
  "%2F1",
  "%5c",
  "%c0%ae%c0%ae",
  "%c0%af",
  "%e0%80%ae",
  "%ef%bc%8e%ef%bc%8e",
  "%u002e%u002e",
  "....//",
  "..;",
  "1.rfx",
  "1.tmp",
  "1.1.rfx",
  "reflex-data",
  "\u0000",
  "1\u0000",
  "\u202e1",
  "\u200b1",
  "1\u200b",
  "\ufeff1",
  "١٢٣",
  "１２",
  "１",
  "²",
  "߁",
  "໑",
  "𝟙",
  "Ⅻ",
] as const;

/** Replaces each ASCII digit of `text` by the digit of another script, from its zero code point. */
function foreignDigits(text: string, zero: number): string {
  return text.replace(/[0-9]/g, (digit) => String.fromCodePoint(zero + Number(digit)));
}

/** Zero code points of digit sets the id grammar must refuse: Arabic-Indic, Devanagari, fullwidth, math bold. */
const FOREIGN_ZEROS = [0x660, 0x966, 0xff10, 0x1d7ce] as const;

/** Id-shaped texts the API must refuse: signs, spaces, hex, overflow, other scripts' digits, traversal, very long. */
export const hostileId: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_ID_CONSTANTS) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(canonicalId, fc.constantFrom("-", "+", " ", "0", "00", "\t", "%20", "%2B", "%2D", "-0"))
      .map(([id, prefix]) => `${prefix}${id}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        canonicalId,
        fc.constantFrom(" ", ".0", "e0", "n", "/", "%20", "%00", ".rfx", "/..", "%2F..", "/.", "\u00a0"),
      )
      .map(([id, suffix]) => `${id}${suffix}`),
  },
  { weight: 2, arbitrary: fc.bigInt({ min: U64_MAX + 1n, max: 1n << 256n }).map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: U64_MAX }).map((n) => `0x${n.toString(16)}`) },
  {
    weight: 2,
    arbitrary: fc.tuple(canonicalId, fc.constantFrom(...FOREIGN_ZEROS)).map(([id, zero]) => foreignDigits(id, zero)),
  },
  { weight: 1, arbitrary: fc.integer({ min: 21, max: 12_000 }).map((n) => "9".repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 5_000 }).map((n) => `${"0".repeat(n)}1`) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(".", "/", "%", "2", "e", "f", "\\"), maxLength: 16 }) },
);

/** How a text is written into a URL path segment. */
export type SegmentEncoding = "raw" | "component" | "percent-all" | "percent-all-upper" | "double";

const HEX = "0123456789abcdef";

function percentAll(text: string, upper: boolean): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    const hex = `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
    out += upper ? hex.toUpperCase() : hex;
  }
  return out;
}

function safeEncodeComponent(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text; // a lone surrogate: keep it raw, the URL parser will replace it
  }
}

/** `text` as a path segment in the given encoding (raw keeps `/`, `?`, `#` and `..` live). */
export function encodeSegment(text: string, encoding: SegmentEncoding): string {
  switch (encoding) {
    case "raw":
      return text;
    case "component":
      return safeEncodeComponent(text);
    case "percent-all":
      return percentAll(text, false);
    case "percent-all-upper":
      return percentAll(text, true);
    case "double":
      return safeEncodeComponent(safeEncodeComponent(text));
  }
}

/** A segment encoding, mostly raw. */
export const segmentEncoding: fc.Arbitrary<SegmentEncoding> = fc.oneof(
  { weight: 6, arbitrary: fc.constant("raw" as const) },
  { weight: 1, arbitrary: fc.constantFrom("component", "percent-all", "percent-all-upper", "double") },
);

/** An id for a path: canonical (so requests reach the store) or hostile, in some encoding. */
export const idSegment: fc.Arbitrary<string> = fc
  .tuple(fc.oneof({ weight: 3, arbitrary: canonicalId }, { weight: 2, arbitrary: hostileId }), segmentEncoding)
  .map(([text, encoding]) => encodeSegment(text, encoding));

// ---------------------------------------------------------------------------------------
// Paths, methods, queries

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
const PATH_MUTATIONS = [
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

// ---------------------------------------------------------------------------------------
// Headers

/** A header value Bun's Headers accepts: latin1 without NUL, CR or LF. */
const headerText = (maxLength: number) =>
  fc
    .string({ unit: "binary-ascii", maxLength })
    .map((text) => text.replace(/[\0\r\n]/g, "").replace(/[\u0080-\uffff]/g, "\u00e9"));

/** Authorization headers: none, each token, other schemes, broken Bearer syntax, unknown tokens, huge ones. */
export const fuzzAuthorization: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 6,
    arbitrary: fc.constantFrom(TOKENS.tenantA, TOKENS.tenantB, TOKENS.admin).map((token) => `Bearer ${token}`),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom(TOKENS.tenantA, TOKENS.tenantB, TOKENS.admin),
        fc.constantFrom(
          (t: string) => `bearer ${t}`,
          (t: string) => `BEARER ${t}`,
          (t: string) => `Bearer  ${t}`,
          (t: string) => `Bearer ${t} `,
          (t: string) => `Bearer ${t} extra`,
          (t: string) => `Bearer\t${t}`,
          (t: string) => `Bearer${t}`,
          (t: string) => t,
          (t: string) => `Basic ${Buffer.from(`user:${t}`).toString("base64")}`,
          (t: string) => `Token ${t}`,
          (t: string) => `Bearer ${t.slice(0, -1)}`,
          (t: string) => `Bearer ${t}x`,
          (t: string) => `Bearer ${t.toUpperCase()}`,
          (t: string) => `Bearer ${t}=`,
          (t: string) => `Bearer ${t}, Bearer ${TOKENS.admin}`,
          (t: string) => `Bearer ${Buffer.from(t).toString("base64")}`,
          (t: string) => `Bearer "${t}"`,
          (t: string) => `, Bearer ${t}`,
        ),
      )
      .map(([token, spell]) => spell(token)),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      "Bearer",
      "Bearer ",
      "Bearer   ",
      "Bearer null",
      "Bearer undefined",
      "Basic",
      `Bearer ${"a".repeat(16)}`,
      `Bearer ${"A".repeat(10_000)}`,
      `Bearer ${"é".repeat(40)}`,
      "Bearer \u00ff\u00fe\u00fd\u00fc\u00fb\u00fa\u00f9\u00f8\u00f7\u00f6\u00f5\u00f4\u00f3\u00f2\u00f1\u00f0",
    ),
  },
  { weight: 1, arbitrary: headerText(80).map((text) => `Bearer ${text}`) },
  { weight: 1, arbitrary: headerText(80) },
);

/** Content-Type values: the API's, aliases and parameters, near misses, absent, garbage. */
export const fuzzContentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("application/json", "application/x-protobuf", "application/protobuf") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-8",
      "application/json;charset=UTF-16",
      "APPLICATION/JSON",
      "Application/X-Protobuf",
      "application/vnd.reflex+json",
      "application/json;",
      "application/json ; charset=utf-8",
      "application/json; charset",
      "application/json, text/plain",
      "application/x-protobuf; proto=reflex.v1.CacheEntry",
      "application/protobuf;",
    ),
  },
  { weight: 2, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      "text/plain",
      "application/octet-stream",
      "application/jsonx",
      "application/json5",
      "application/xml",
      "text/json",
      "json",
      "multipart/form-data; boundary=xyz",
      "application/x-www-form-urlencoded",
      "*/*",
      "application/*",
    ),
  },
  { weight: 1, arbitrary: headerText(60) },
);

/** Accept values: JSON, protobuf with q-values, wildcards, broken q-values. */
export const fuzzAccept: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "application/json",
      "application/x-protobuf",
      "application/protobuf",
      "application/x-protobuf;q=0.5, application/json;q=0.4",
      "application/x-protobuf;q=abc",
      "application/*;q=0, */*",
      "*/*;q=NaN",
      ";;;,,,",
      "text/html",
    ),
  },
  { weight: 1, arbitrary: headerText(60) },
);

/** Declared Content-Length values (Bun's Request sends what it is given, even when it lies). */
export const fuzzContentLength: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 8, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.constantFrom("0", "1", "-1", "abc", "1e3", " 5 ", "0x10", "99999999999999999999", "4294967296", "1.5"),
      fc.nat(300_000).map(String),
    ),
  },
);

/** If-None-Match values. */
export const fuzzIfNoneMatch: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 5, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom("*", '"x"', 'W/"x"', ",,,", '"', "") },
  { weight: 1, arbitrary: headerText(60) },
);

// ---------------------------------------------------------------------------------------
// Bodies

/** A request body as sent. */
export type FuzzBody = Uint8Array<ArrayBuffer> | undefined;

const utf8 = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>;

const base64Field = fc.uint8Array({ maxLength: 96 }).map((bytes) => Buffer.from(bytes).toString("base64"));

/** A valid JSON entry (protobuf JSON mapping), with or without tenantId. */
export const jsonEntry: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    tenantId: fc.oneof(fc.constantFrom("1", "2", "3"), canonicalId),
    contextHash: canonicalId,
    timestamp: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map(String),
    embedding: base64Field,
    payloadBlob: base64Field,
  },
  { requiredKeys: [] },
);

/** A JSON value of a wrong type for any field. */
const wrongValue = fc.oneof(
  fc.constantFrom(7, -1, 1e30, 0.5, Number.MAX_SAFE_INTEGER + 2, true, false, null, [], {}, ["1"], { value: "1" }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 20 }),
);

const FIELD_NAMES = [
  "tenantId",
  "tenant_id",
  "contextHash",
  "context_hash",
  "timestamp",
  "embedding",
  "payloadBlob",
  "payload_blob",
  "TenantId",
  "tenantID",
  "payload",
  "__proto__",
  "constructor",
  "",
] as const;

/** A JSON entry with one field set to a wrong type, a number where a string belongs, or an unknown name. */
const mutatedJsonEntry = fc
  .tuple(jsonEntry, fc.constantFrom(...FIELD_NAMES), wrongValue)
  .map(([entry, field, value]) => JSON.stringify({ ...entry, [field]: value }));

/** JSON nested `depth` levels deep, as arrays or objects, maybe inside a field. */
const deepJson = fc
  .tuple(fc.integer({ min: 64, max: 50_000 }), fc.constantFrom("array", "object", "field"))
  .map(([depth, kind]) => {
    if (kind === "array") return `${"[".repeat(depth)}${"]".repeat(depth)}`;
    const nested = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    return kind === "object" ? nested : `{"payloadBlob":${nested}}`;
  });

/** JSON texts the API must refuse or read correctly. */
export const jsonBody: fc.Arbitrary<Uint8Array<ArrayBuffer>> = fc
  .oneof(
    { weight: 4, arbitrary: jsonEntry.map((entry) => JSON.stringify(entry)) },
    { weight: 4, arbitrary: mutatedJsonEntry },
    { weight: 1, arbitrary: deepJson },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(jsonEntry, fc.nat())
        .map(([entry, cut]) => JSON.stringify(entry).slice(0, cut % (JSON.stringify(entry).length + 1))),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "",
        "null",
        "[]",
        '"x"',
        "1",
        "{",
        "}",
        "{}",
        '{"tenantId":"1","tenant_id":"2"}',
        '{"tenantId":"2","tenant_id":"1"}',
        '{"tenantId":"1","tenantId":"2"}',
        '{"contextHash":"7","contextHash":7}',
        '{"payloadBlob":"!!!"}',
        '{"payloadBlob":"aGk"}',
        '{"payloadBlob":"aGk=","embedding":"____"}',
        '{"timestamp":"-9223372036854775808"}',
        '{"timestamp":"9223372036854775808"}',
        '{"contextHash":"18446744073709551616"}',
        '{"tenantId":1}',
        '{"tenantId":"01"}',
        '\ufeff{"payloadBlob":"aGk="}',
        '{"payloadBlob":"aGk="}garbage',
        '{"__proto__":{"tenantId":"2"}}',
        '{"constructor":{"prototype":{"admin":true}}}',
      ),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((n) => `{"payloadBlob":"${"QUFB".repeat(n >> 2)}"}`),
    },
  )
  .map((body) => (typeof body === "string" ? utf8(body) : body));

/** An entry's fields for protobuf bodies. */
const protobufEntry = fc.record({
  tenantId: fc.oneof(fc.constantFrom(0n, 1n, 2n, 3n), fc.bigInt({ min: 0n, max: U64_MAX })),
  contextHash: fc.bigInt({ min: 0n, max: U64_MAX }),
  timestamp: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
  embedding: fc.uint8Array({ maxLength: 64 }),
  payloadBlob: fc.uint8Array({ maxLength: 256 }),
});

const encodeProto = (entry: EntryFields): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(encodeEntryBody(entry)) as Uint8Array<ArrayBuffer>;

/** Hand-made protobuf wire bytes: huge declared lengths, overlong varints, groups, unknown fields, bad wire types. */
const PROTOBUF_TRAPS: readonly number[][] = [
  [0x22, 0xff, 0xff, 0xff, 0xff, 0x0f], // embedding: length 2^32-1
  [0x2a, 0xff, 0xff, 0xff, 0xff, 0x07], // payload: length 2^31-1
  [0x2a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // 10-byte varint length
  [0x2a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // 11-byte varint
  [0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0x02, 0x33, 0x33], // tenant 1, then field 1 as bytes
  [0x08, 0x01], // field 1 as varint
  [0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0x0b, 0x0c], // tenant 1, start group, end group
  [0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0x0b], // unterminated group
  [0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0x0c], // stray end group
  [0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0x0e], // wire type 6
  [0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0x0f], // wire type 7
  [0x00], // field 0
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80], // endless tag varint
  [0xfa, 0xff, 0xff, 0xff, 0x0f, 0x00], // field 2^29-1
  [0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0x09, 2, 0, 0, 0, 0, 0, 0, 0], // tenant 1 then tenant 2 (last wins)
  [0x09, 2, 0, 0, 0, 0, 0, 0, 0, 0x09, 1, 0, 0, 0, 0, 0, 0, 0], // tenant 2 then tenant 1
];

/** Protobuf bodies: valid, truncated, bit-flipped, with trailing garbage, hand-made traps, random bytes. */
export const protobufBody: fc.Arbitrary<Uint8Array<ArrayBuffer>> = fc.oneof(
  { weight: 4, arbitrary: protobufEntry.map(encodeProto) },
  {
    weight: 2,
    arbitrary: fc.tuple(protobufEntry, fc.nat()).map(([entry, cut]) => {
      const bytes = encodeProto(entry);
      return bytes.slice(0, cut % (bytes.length + 1));
    }),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        protobufEntry,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
      )
      .map(([entry, flips]) => {
        const bytes = encodeProto(entry);
        for (const [at, mask] of flips) {
          if (bytes.length === 0) break;
          const i = at % bytes.length;
          bytes[i] = (bytes[i] ?? 0) ^ mask;
        }
        return bytes;
      }),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(protobufEntry, fc.uint8Array({ minLength: 1, maxLength: 32 })).map(([entry, tail]) => {
      const head = encodeProto(entry);
      const bytes = new Uint8Array(head.length + tail.length);
      bytes.set(head);
      bytes.set(tail, head.length);
      return bytes;
    }),
  },
  { weight: 2, arbitrary: fc.constantFrom(...PROTOBUF_TRAPS).map((bytes) => Uint8Array.from(bytes)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 512 }) },
);

/** Any body: JSON, protobuf, random bytes, or one over the fuzz app's body limit. */
export function fuzzBody(maxBodyBytes: number): fc.Arbitrary<FuzzBody> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 6, arbitrary: jsonBody },
    { weight: 5, arbitrary: protobufBody },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }) as fc.Arbitrary<Uint8Array<ArrayBuffer>> },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: maxBodyBytes + 1, max: maxBodyBytes * 2 })
        .map((size) => new Uint8Array(size).fill(0x41)),
    },
  );
}

// ---------------------------------------------------------------------------------------
// A whole request: a coherent one (the token covers the tenant, the ids are valid, the
// body matches its Content-Type and tenant), then a few perturbations of it, so the fuzz
// reaches every layer: auth, routing, validation, body decoding and the store.

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

// ---------------------------------------------------------------------------------------
// Raw HTTP/1.1 over a socket: request targets exactly as written (fetch and Request
// resolve dot segments and encode characters before a server sees them)

/** A response read off the wire. */
export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased; a repeated header keeps every value. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: Uint8Array;
}

function indexOfBlankLine(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) return i;
  }
  return -1;
}

function dechunk(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    let end = at;
    while (end + 1 < bytes.length && !(bytes[end] === 13 && bytes[end + 1] === 10)) end++;
    const size = Number.parseInt(Buffer.from(bytes.subarray(at, end)).toString("latin1"), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(bytes.subarray(end + 2, end + 2 + size));
    at = end + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** The response in `bytes` once it is complete (headers, then its Content-Length or chunked body), else undefined. */
function completeResponse(bytes: Uint8Array, headRequest: boolean, closed: boolean): RawResponse | undefined {
  const split = indexOfBlankLine(bytes);
  if (split < 0) return undefined;
  const headText = Buffer.from(bytes.subarray(0, split)).toString("latin1");
  const [statusLine = "", ...headerLines] = headText.split("\r\n");
  const headers = new Map<string, string[]>();
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  const status = Number(statusLine.split(" ")[1] ?? 0);
  const rest = bytes.subarray(split + 4);
  const response = (body: Uint8Array): RawResponse => ({ status, headers, body });
  if (headRequest || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    return response(new Uint8Array(0));
  }
  const length = headers.get("content-length")?.[0];
  if (length !== undefined) {
    return rest.length >= Number(length) ? response(rest.subarray(0, Number(length))) : undefined;
  }
  if (headers.get("transfer-encoding")?.some((value) => /chunked/i.test(value))) {
    const text = Buffer.from(rest).toString("latin1");
    return text.endsWith("0\r\n\r\n") ? response(dechunk(rest)) : undefined;
  }
  return closed ? response(rest) : undefined; // delimited by the end of the connection
}

/**
 * Sends `head` (request line and headers, CRLF-separated, without the blank line; a
 * `Connection: close` is added) and `body` to 127.0.0.1:`port`, and reads the response:
 * complete once its declared length (or last chunk) has arrived, or the server closes.
 * Undefined when the server closed without answering; rejects after `timeoutMs`.
 */
export async function rawHttp(
  port: number,
  head: string,
  body: Uint8Array = new Uint8Array(0),
  timeoutMs = 10_000,
): Promise<RawResponse | undefined> {
  const headRequest = head.startsWith("HEAD ");
  let received: Uint8Array = new Uint8Array(0);
  let open = true;
  const { promise: answered, resolve, reject } = Promise.withResolvers<RawResponse | undefined>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_socket, data) {
        received = Buffer.concat([received, data]);
        const response = completeResponse(received, headRequest, false);
        if (response !== undefined) resolve(response);
      },
      close() {
        open = false;
        resolve(received.length === 0 ? undefined : completeResponse(received, headRequest, true));
      },
      error(_socket, error) {
        reject(error);
      },
      connectError(_socket, error) {
        reject(error);
      },
    },
  });
  const timer = setTimeout(() => {
    reject(new Error(`no complete answer within ${timeoutMs} ms to ${JSON.stringify(head.slice(0, 120))}`));
  }, timeoutMs);
  const request = Buffer.concat([Buffer.from(`${head}\r\nConnection: close\r\n\r\n`, "latin1"), body]);
  // The server may answer (413) and close before the whole body is sent: stop writing then.
  let sent = 0;
  let done = false;
  const finish = () => {
    done = true;
  };
  answered.then(finish, finish);
  while (sent < request.length && open && !done) {
    const wrote = socket.write(request.subarray(sent));
    if (wrote > 0) sent += wrote;
    else await Bun.sleep(1);
  }
  try {
    return await answered;
  } finally {
    clearTimeout(timer);
    socket.end();
  }
}

/**
 * `text` as a valid HTTP request target: every byte outside visible ASCII, and the
 * characters a request line cannot hold, percent-encoded; everything else (dot segments,
 * `%2e`, backslashes, double slashes, `?`, `#`) kept exactly as written.
 */
export function wireTarget(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    out += code > 0x20 && code < 0x7f ? char : percentAll(char, true);
  }
  return out.startsWith("/") ? out : `/${out}`;
}
