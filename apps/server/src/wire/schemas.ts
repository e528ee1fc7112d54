import { z } from "@hono/zod-openapi";
import { isCodecError, isTtlText, parseI64, parseU64, TTL_GRAMMAR, TTL_PATTERN } from "@reflex/codec";

const U64_PATTERN = "^(0|[1-9][0-9]{0,19})$";
const I64_PATTERN = "^-?(0|[1-9][0-9]{0,18})$";

/** Checks a string with one of the codec's parsers and reports its message as the issue. */
function decimal(parse: (text: string, what: string) => bigint, what: string) {
  return (text: string, ctx: z.RefinementCtx) => {
    try {
      parse(text, what);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: isCodecError(error) ? error.message : String(error) });
    }
  };
}

/**
 * A query parameter's text: a missing one is "`name` is required" and a repeated one
 * (`?ttl=1&ttl=2`, which arrives as an array) "`name` must be given once", instead of zod's
 * "expected string, received undefined / array".
 */
export function queryText(name: string) {
  return z.string({
    error: (issue) =>
      issue.input === undefined
        ? `${name} is required`
        : Array.isArray(issue.input)
          ? `${name} must be given once`
          : `${name} must be a string`,
  });
}

/**
 * A decimal u64 string, checked with the codec's one id grammar (no sign, no leading zeros,
 * no overflow). `query`: a query parameter's ({@link queryText}'s messages).
 */
export function u64String(what: string, description: string, options: { readonly query?: boolean } = {}) {
  return (options.query === true ? queryText(what) : z.string())
    .superRefine(decimal(parseU64, what))
    .openapi({ pattern: U64_PATTERN, example: "42", description });
}

/**
 * The `ttl` query parameter: a time to live in the codec's one grammar (canonical decimal
 * seconds, at most 10 digits, `TTL_PATTERN` in the document), with a message that says so.
 */
export function ttlQuery(description: string) {
  return queryText("ttl")
    .refine(isTtlText, `ttl must be ${TTL_GRAMMAR}`)
    .openapi({ pattern: TTL_PATTERN, example: "3600", description });
}

/** A decimal i64 string. */
function i64String(what: string, description: string) {
  return z
    .string()
    .superRefine(decimal(parseI64, what))
    .openapi({ pattern: I64_PATTERN, example: "1700000000", description });
}

const tenantParam = u64String("tenant", "Tenant id, a decimal u64.").openapi({
  param: { name: "tenant", in: "path" },
});
const idParam = u64String("entry id", "Entry id, a decimal u64.").openapi({ param: { name: "id", in: "path" } });

/** Path parameters of the tenant routes. */
export const TenantParams = z.object({ tenant: tenantParam });

/** Path parameters of the entry routes. */
export const EntryParams = z.object({ tenant: tenantParam, id: idParam });

/** Most ids one listing page returns. */
export const MAX_LIST_LIMIT = 10_000;
/** Ids a listing page returns when `limit` is not given. */
export const DEFAULT_LIST_LIMIT = 1000;

/** Query of the PUT route. */
export const PutQuery = z.object({
  ttl: ttlQuery("Time to live in seconds (at most 10 digits), overriding the server's default; 0: never expires.")
    .optional()
    .openapi({ param: { name: "ttl", in: "query" } }),
});

/** Query of the entry listing. */
export const ListQuery = z.object({
  limit: queryText("limit")
    .refine(
      (text) => /^[1-9][0-9]{0,5}$/.test(text) && Number(text) <= MAX_LIST_LIMIT,
      `limit must be an integer in [1, ${MAX_LIST_LIMIT}]`,
    )
    .optional()
    .openapi({
      pattern: "^[1-9][0-9]{0,4}$",
      param: { name: "limit", in: "query" },
      example: "100",
      description: `Most ids to return, 1 to ${MAX_LIST_LIMIT}; default ${DEFAULT_LIST_LIMIT}.`,
    }),
  after: u64String("after", "Return ids strictly greater than this one (the previous page's `next`).", {
    query: true,
  })
    .optional()
    .openapi({ param: { name: "after", in: "query" } }),
  contextHash: u64String(
    "contextHash",
    "Only the entries with this context hash, newest first (by timestamp, then id), paged as usual: `next` " +
      "is the last id of the page when more follow, and `after` (an id of that list) starts after it.",
    { query: true },
  )
    .optional()
    .openapi({ param: { name: "contextHash", in: "query" } }),
});

const bytesField = (description: string) =>
  z
    .string()
    .nullish()
    .openapi({ format: "byte", description: `${description} Base64 (standard or URL-safe).` });

/**
 * The protobuf JSON mapping of `reflex.v1.CacheEntry`, as a request body:
 * 64-bit integers are decimal strings (JSON numbers are refused, they may have been
 * rounded), bytes are base64, snake_case names are accepted too, unknown fields are refused.
 * A missing `tenantId` means the path's tenant.
 */
export const EntryJsonInput = z
  .strictObject({
    tenantId: u64String("tenantId", "Owner tenant; must equal the path's tenant. Defaults to it.").nullish(),
    tenant_id: u64String("tenant_id", "Alias of tenantId.").nullish(),
    contextHash: u64String("contextHash", "Hash of the conversation context, a decimal u64.").nullish(),
    context_hash: u64String("context_hash", "Alias of contextHash.").nullish(),
    timestamp: i64String("timestamp", "Unix seconds when cached, a decimal i64.").nullish(),
    embedding: bytesField("Embedding, little-endian f16."),
    payloadBlob: bytesField("Encoded response payload."),
    payload_blob: bytesField("Alias of payloadBlob."),
    expiresAt: i64String(
      "expiresAt",
      "Ignored (what GET answers, accepted so a GET body can be PUT back): use ?ttl=.",
    ).nullish(),
    expires_at: i64String("expires_at", "Alias of expiresAt; ignored.").nullish(),
  })
  .openapi("CacheEntryInput");

/** The protobuf JSON mapping of `reflex.v1.CacheEntry` as the API returns it: every field present. */
export const EntryJsonOutput = z
  .object({
    tenantId: z.string().openapi({ example: "1" }),
    contextHash: z.string().openapi({ example: "7" }),
    timestamp: z.string().openapi({ example: "1700000000" }),
    embedding: z.string().openapi({ format: "byte", example: "" }),
    payloadBlob: z.string().openapi({ format: "byte", example: "aGk=" }),
    expiresAt: z.string().openapi({
      example: "1700003600",
      description: 'Unix seconds after which the entry is gone; "0": never. From the file\'s header; a PUT ignores it.',
    }),
  })
  .openapi("CacheEntry");

/** Body of a successful PUT. */
export const StoredEntry = z
  .object({
    tenant: z.string().openapi({ example: "1" }),
    id: z.string().openapi({ example: "42" }),
    created: z.boolean().openapi({ description: "True when no entry with this id existed before (201)." }),
    durability: z
      .enum(["master-only"])
      .optional()
      .openapi({
        description:
          "Only when the write was accepted with a weaker promise than the store's: master-only (a Redis Cluster " +
          "shard with no online replica stored it on its master alone; lost if that master dies before a new " +
          "replica has synced). Also in the X-Reflex-Durability header.",
      }),
  })
  .openapi("StoredEntry");

/** Body of the entry listing. */
export const EntryList = z
  .object({
    ids: z.array(z.string()).openapi({ example: ["1", "42"], description: "Entry ids, ascending." }),
    next: z
      .string()
      .nullable()
      .openapi({ example: "42", description: "Pass as `after` for the next page; null on the last page." }),
  })
  .openapi("EntryList");

/** Body of the tenant listing. */
export const TenantList = z
  .object({ tenants: z.array(z.string()).openapi({ example: ["1", "2"], description: "Tenant ids, ascending." }) })
  .openapi("TenantList");

/** Body of the stats route. */
export const Stats = z
  .object({
    tenants: z.number().int().openapi({ example: 2 }),
    entries: z.number().int().openapi({ example: 10 }),
    bytes: z.number().int().openapi({ example: 40960, description: "Entry file bytes, headers included." }),
    perTenant: z
      .array(
        z.object({
          tenant: z.string().openapi({ example: "1" }),
          entries: z.number().int(),
          bytes: z.number().int(),
        }),
      )
      .openapi({ description: "The same figures per tenant, tenants ascending." }),
    operations: z.record(z.string(), z.unknown()).openapi({
      description:
        "Per store operation: count, errors by code, bytes and latency quantiles in seconds (p50, p90, p99, p999).",
    }),
    retention: z
      .object({
        bounds: z.object({
          defaultTtlSeconds: z.number().int(),
          maxBytes: z.number().int().nullable(),
          maxEntries: z.number().int().nullable(),
          tenantMaxBytes: z.number().int().nullable(),
          tenantMaxEntries: z.number().int().nullable(),
        }),
        indexReady: z.boolean(),
        evictions: z.record(z.string(), z.number().int()),
        expirations: z.number().int(),
      })
      .openapi({ description: "Retention bounds (null: unbounded) and entries evicted (by bound) and expired." }),
  })
  .openapi("Stats");

/** Body of the cleanup route. */
export const CleanupResult = z
  .object({ removed: z.number().int().openapi({ example: 1, description: "Empty tenant directories removed." }) })
  .openapi("CleanupResult");

/** Body of `/healthz`. */
export const Health = z.object({ status: z.literal("ok") }).openapi("Health");

/** Every error body. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "not_found" }),
      message: z.string().openapi({ example: "entry 42 of tenant 1 not found" }),
    }),
  })
  .openapi("Error");

/** An error response in an OpenAPI route definition's `responses`: a description and the {@link ErrorBody} schema. */
export function openApiErrorResponse(description: string) {
  return { description, content: { "application/json": { schema: ErrorBody } } } as const;
}

/** The error responses every authenticated route can give. */
export const AUTH_ERRORS = {
  401: openApiErrorResponse("No bearer token, or not a valid one."),
  403: openApiErrorResponse("The token does not cover this tenant, or is not an admin token."),
} as const;

/** The error responses of storage failures. */
export const STORAGE_ERRORS = {
  500: openApiErrorResponse("The stored entry is corrupt (`data_corrupted`), or an internal error."),
  503: openApiErrorResponse("Storage is unavailable."),
} as const;

/** The error responses of a route on one entry: a bad id, auth, no such entry, storage failures. */
export const ENTRY_ERRORS = {
  400: openApiErrorResponse("Bad id."),
  ...AUTH_ERRORS,
  404: openApiErrorResponse("No such entry."),
  ...STORAGE_ERRORS,
} as const;

/** Security requirement of the authenticated routes. */
export const BEARER = [{ bearerAuth: [] }];
