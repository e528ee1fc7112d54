import { principalFor } from "../middleware/authenticate.ts";
import { coveredTenant, parsedId } from "../middleware/authorize.ts";
import { refuseContentOnGet } from "../middleware/refuse-get-content.ts";
import type { RequestNote } from "../observe/request-note.ts";
import { entryResponse } from "../routes/entries.ts";
import { payloadResponse } from "../routes/payload.ts";
import { fastBatchGet } from "./fast-batch-get.ts";
import { type BunRequest, type FastRouteDeps, fastRouteFailed } from "./fast-route-deps.ts";

export type { FastRouteDeps } from "./fast-route-deps.ts";

type Handler = (request: BunRequest, server: Bun.Server<undefined>) => Response | Promise<Response>;

/**
 * Fast path: GET payload, GET entry and HEAD entry answered from `Bun.serve`'s own
 * route table, skipping Hono's context, router and middleware chain (most of the app's
 * per-request CPU when profiled under wrk). The answers are the Hono routes' own: the
 * same `refuseContentOnGet` (400), `principalFor` (401), `coveredTenant` / `parsedId`
 * (400, 403), `payloadResponse` / `entryResponse`, and `responseForError` for every error; the Hono routes stay the
 * definition that `app.request()`, the OpenAPI document and every other request use. A
 * target with a `%` goes to Hono, whose path decoding is the reference. Each request
 * goes through `deps.observer` (request id, HTTP metrics, request log) like Hono's do.
 * Batch-get: see fast-batch-get.ts.
 */
export function fastRoutes(deps: FastRouteDeps): Record<string, { GET: Handler } | { POST: Handler }> {
  const { observer } = deps;
  const route =
    (
      template: string,
      answer: (request: BunRequest, tenantId: bigint, entryId: bigint) => Response | Promise<Response>,
    ): Handler =>
    (request, server) => {
      const note: RequestNote = observer.begin(request, template);
      if (request.url.includes("%")) return observer.settle(note, request, deps.app.fetch(request, { server, note }));
      try {
        refuseContentOnGet(request);
        const principal = principalFor(deps.tokens, request.headers.get("authorization"));
        note.principal = principal.name;
        const tenantId = coveredTenant(request.params.tenant, principal);
        note.tenant = tenantId;
        const entryId = parsedId(request.params.id, "entry id");
        const answered = answer(request, tenantId, entryId);
        if (answered instanceof Response) return observer.end(note, request, answered);
        return answered.then(
          (response) => observer.end(note, request, response),
          (error: unknown) => observer.end(note, request, fastRouteFailed(deps, request, error, note.id)),
        );
      } catch (error) {
        return observer.end(note, request, fastRouteFailed(deps, request, error, note.id));
      }
    };
  const payload = "/v1/tenants/:tenant/entries/:id/payload";
  const entry = "/v1/tenants/:tenant/entries/:id";
  return {
    [payload]: {
      GET: route(payload, (request, tenantId, entryId) =>
        payloadResponse(deps.store, tenantId, entryId, request.headers.get("if-none-match")),
      ),
    },
    [entry]: {
      GET: route(entry, (request, tenantId, entryId) =>
        entryResponse(deps.store, request.method, tenantId, entryId, request.headers.get("accept")),
      ),
    },
    "/v1/tenants/:tenant/entries/batch-get": { POST: fastBatchGet(deps) },
  };
}
