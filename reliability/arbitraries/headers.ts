// Headers: Authorization (every token, broken Bearer syntax, unknown and huge tokens),
// Content-Type, Accept, Content-Length and If-None-Match values, hostile ones included.
import fc from "fast-check";
import { TOKENS } from "./tokens.ts";

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
