import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { EntryStore } from "@reflex/core";
import type { OperationMetrics } from "@reflex/stats";
import type { ZodError } from "zod";
import type { TokenSet } from "./auth/token-set.ts";
import type { AppEnv } from "./env.ts";
import {
  ApiError,
  type ApiErrorCode,
  createErrorHandler,
  type InternalErrorReporter,
  notFoundHandler,
} from "./errors.ts";
import { authenticate } from "./middleware/authenticate.ts";
import { DEFAULT_MAX_BODY_BYTES } from "./middleware/body-limit.ts";
import { noteContext } from "./middleware/note-context.ts";
import { refuseGetContent } from "./middleware/refuse-get-content.ts";
import { wrapNonErrors } from "./middleware/wrap-non-errors.ts";
import { type Logger, silentLogger } from "./observe/logger.ts";
import { type MetricsSource, storeMetrics } from "./observe/metrics.ts";
import { registerAdminRoutes } from "./routes/admin.ts";
import { registerBatchGetRoute } from "./routes/batch-get.ts";
import type { RouteDeps } from "./routes/deps.ts";
import { registerEntryRoutes } from "./routes/entries.ts";
import { registerListingRoutes } from "./routes/listing.ts";
import { registerOpsRoutes } from "./routes/ops.ts";
import { registerPayloadRoute } from "./routes/payload.ts";
import { registerSearchRoute } from "./routes/search.ts";
import { registerTenantDeleteRoute } from "./routes/tenant-delete.ts";
import { registerTouchRoute } from "./routes/touch.ts";
import { finishOpenApiDocument } from "./wire/openapi-document.ts";

/** Options of {@link createApp}. */
export interface AppOptions {
  /**
   * Accepted bearer tokens. Without them (undefined), auth is off and every request
   * acts as admin: only for a server bound to loopback (`startServer` enforces that).
   */
  readonly tokens?: TokenSet | undefined;
  /** Largest PUT body, in bytes. Default 24 MiB (a 16 MiB payload fits in either encoding). */
  readonly maxBodyBytes?: number;
  /** Source of `/metrics`. Default: {@link storeMetrics} of `store` and `operations`. */
  readonly metrics?: MetricsSource | undefined;
  /** The operation metrics the store records into, reported by `/metrics` and `/v1/stats`. */
  readonly operations?: OperationMetrics | undefined;
  /** Server-side errors. Default: silent. (Request lines, ids and HTTP metrics are the request observer's: see `startServer`.) */
  readonly logger?: Logger | undefined;
}

/** The Hono app `createApp` returns. */
export type ReflexApp = OpenAPIHono<AppEnv>;

/** The OpenAPI document's `info`. */
const OPENAPI_INFO = {
  title: "Reflex store API",
  version: "0.1.0",
  description:
    "A multi-tenant, crash-safe store of LLM cache entries. Ids are decimal u64 strings; entries are " +
    "reflex.v1.CacheEntry as JSON (protobuf JSON mapping) or binary protobuf.",
};

const CODE_OF_TARGET: Record<string, ApiErrorCode> = {
  param: "invalid_id",
  query: "invalid_query",
  json: "invalid_body",
};

/** A validation failure as one message: path and query messages name their field; body ones get it prefixed. */
function describeIssues(target: string, error: ZodError): string {
  const messages = error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.join(".");
    return target === "json" && where !== "" ? `${where}: ${issue.message}` : issue.message;
  });
  const text = messages.join("; ");
  return target === "json" ? `invalid body: ${text}` : text;
}

/**
 * Builds the Reflex HTTP API over any {@link EntryStore}: the routes of DESIGN.md,
 * bearer-token auth, validation at the edge, one error handler, `/openapi.json`
 * generated from the route definitions that validate requests.
 *
 * @example
 * const app = createApp(new NvmeStorage("./reflex-data"));
 * const res = await app.request("/v1/tenants/1/entries/42", {
 *   method: "PUT",
 *   headers: { "Content-Type": "application/json" },
 *   body: JSON.stringify({ tenantId: "1", payloadBlob: "aGk=" }),
 * });
 * res.status; // 201
 * Bun.serve({ port: 8080, fetch: app.fetch });
 */
export function createApp(store: EntryStore, options: AppOptions = {}): ReflexApp {
  const logger = options.logger ?? silentLogger;
  const app = new OpenAPIHono<AppEnv>({
    defaultHook(result) {
      if (result.success) return;
      const code = CODE_OF_TARGET[result.target] ?? "bad_request";
      throw new ApiError(400, code, describeIssues(result.target, result.error));
    },
  });

  app.onError(createErrorHandler(errorReporter(logger)));
  app.notFound(notFoundHandler);
  app.use("*", noteContext());
  app.use("*", wrapNonErrors());
  app.use("*", refuseGetContent());
  app.use("/v1/*", authenticate(options.tokens));
  app.use("/metrics", authenticate(options.tokens));

  const deps: RouteDeps = {
    store,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    metrics: options.metrics ?? storeMetrics(store, options.operations),
    operations: options.operations,
  };
  registerOpsRoutes(app, deps);
  registerEntryRoutes(app, deps);
  registerBatchGetRoute(app, deps);
  registerPayloadRoute(app, deps);
  registerTouchRoute(app, deps);
  registerTenantDeleteRoute(app, deps);
  registerListingRoutes(app, deps);
  registerSearchRoute(app, deps);
  registerAdminRoutes(app, deps);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "A token from the REFLEX_TOKENS file, scoped to tenants or admin.",
  });
  registerDocumentRoute(app, options.tokens !== undefined);
  return app;
}

/**
 * Serves `GET /openapi.json` (public, and in the document itself): the OpenAPI 3.1 document of
 * the routes, made once, as this server answers them (see `finishOpenApiDocument`: security
 * only when tokens are configured, both protobuf media type spellings).
 */
function registerDocumentRoute(app: ReflexApp, authOn: boolean): void {
  app.openAPIRegistry.registerPath(
    createRoute({
      method: "get",
      path: "/openapi.json",
      tags: ["operations"],
      summary: "This document",
      responses: {
        200: {
          description: "The OpenAPI 3.1 document of every route, generated from the route definitions.",
          content: { "application/json": { schema: z.object({}).passthrough() } },
        },
      },
    }),
  );
  let document: object | undefined;
  app.get("/openapi.json", (c) => {
    document ??= finishOpenApiDocument(app.getOpenAPI31Document({ openapi: "3.1.0", info: OPENAPI_INFO }), {
      authOn,
    });
    return c.json(document);
  });
}

/** How the app reports a server-side error: one `reflex: ...` record on the logger, with the error and request id (the fast routes use it too). */
export function errorReporter(logger: Logger): InternalErrorReporter {
  return (message, error, requestId) => logger.error(`reflex: ${message}`, error, requestId);
}
