import { fastBatchGet } from "./fast-batch-get.ts";
import { type BunRequest, type FastRouteDeps, fastRouteFailed } from "./fast-route-deps.ts";
import { principalFor } from "./middleware/authenticate.ts";
import { coveredTenant, parsedId } from "./middleware/authorize.ts";
import { entryResponse } from "./routes/entries.ts";
import { payloadResponse } from "./routes/payload.ts";

export type { FastRouteDeps } from "./fast-route-deps.ts";

type Handler = (request: BunRequest, server: Bun.Server<undefined>) => Response | Promise<Response>;

/**
 * Fast path: GET payload, GET entry and HEAD entry answered from `Bun.serve`'s own
 * route table, skipping Hono's context, router and middleware chain (most of the app's
 * per-request CPU when profiled under wrk). The answers are the Hono routes' own: the
 * same `principalFor` (401), `coveredTenant` / `parsedId` (400, 403), `payloadResponse` /
 * `entryResponse`, and `responseForError` for every error; the Hono routes stay the
 * definition that `app.request()`, the OpenAPI document and every other request use. A
 * target with a `%` goes to Hono, whose path decoding is the reference. Batch-get: see fast-batch-get.ts. Not used when
 * requests are logged (the logger is Hono middleware).
 */
export function fastRoutes(deps: FastRouteDeps): Record<string, { GET: Handler } | { POST: Handler }> {
  const route =
    (answer: (request: BunRequest, tenantId: bigint, entryId: bigint) => Response | Promise<Response>): Handler =>
    (request, server) => {
      if (request.url.includes("%")) return deps.app.fetch(request, { server });
      try {
        const principal = principalFor(deps.tokens, request.headers.get("authorization"));
        const tenantId = coveredTenant(request.params.tenant, principal);
        const entryId = parsedId(request.params.id, "entry id");
        const answered = answer(request, tenantId, entryId);
        if (answered instanceof Response) return answered;
        return answered.catch((error: unknown) => fastRouteFailed(deps, request, error));
      } catch (error) {
        return fastRouteFailed(deps, request, error);
      }
    };
  return {
    "/v1/tenants/:tenant/entries/:id/payload": {
      GET: route((request, tenantId, entryId) =>
        payloadResponse(deps.store, tenantId, entryId, request.headers.get("if-none-match")),
      ),
    },
    "/v1/tenants/:tenant/entries/:id": {
      GET: route((request, tenantId, entryId) =>
        entryResponse(deps.store, request.method, tenantId, entryId, request.headers.get("accept")),
      ),
    },
    "/v1/tenants/:tenant/entries/batch-get": { POST: fastBatchGet(deps) },
  };
}
