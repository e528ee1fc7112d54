import type { EntryStore } from "@reflex/core";
import type { ReflexApp } from "./app.ts";
import { type InternalErrorReporter, responseForError } from "./errors.ts";
import { principalFor } from "./middleware/authenticate.ts";
import { coveredTenant, parsedId } from "./middleware/authorize.ts";
import type { RequestNote } from "./request-note.ts";
import type { RequestObserver } from "./request-observer.ts";
import { entryResponse } from "./routes/entries.ts";
import { payloadResponse } from "./routes/payload.ts";
import type { TokenSet } from "./token-set.ts";

/** What the fast routes need: the same store, tokens and error reporter as the app, the app for fallbacks, and the observer. */
export interface FastRouteDeps {
  readonly app: ReflexApp;
  readonly store: EntryStore;
  readonly tokens: TokenSet | undefined;
  readonly report: InternalErrorReporter;
  /** Gives each request its id, metrics and log line, as it does for Hono's. */
  readonly observer: RequestObserver;
}

type BunRequest = Request & { readonly params: Record<string, string> };
type Handler = (request: BunRequest, server: Bun.Server<undefined>) => Response | Promise<Response>;

/**
 * Fast path: GET payload, GET entry and HEAD entry answered from `Bun.serve`'s own
 * route table, skipping Hono's context, router and middleware chain (most of the app's
 * per-request CPU when profiled under wrk). The answers are the Hono routes' own: the
 * same `principalFor` (401), `coveredTenant` / `parsedId` (400, 403), `payloadResponse` /
 * `entryResponse`, and `responseForError` for every error; the Hono routes stay the
 * definition that `app.request()`, the OpenAPI document and every other request use. A
 * target with a `%` goes to Hono, whose path decoding is the reference. Each request
 * goes through `deps.observer` (request id, HTTP metrics, request log) like Hono's do.
 */
export function fastRoutes(deps: FastRouteDeps): Record<string, { GET: Handler }> {
  const { observer } = deps;
  const route =
    (
      template: string,
      answer: (request: BunRequest, tenantId: bigint, entryId: bigint) => Promise<Response>,
    ): Handler =>
    (request, server) => {
      const note: RequestNote = observer.begin(request, template);
      if (request.url.includes("%")) return observer.settle(note, request, deps.app.fetch(request, { server, note }));
      try {
        const principal = principalFor(deps.tokens, request.headers.get("authorization"));
        note.principal = principal.name;
        const tenantId = coveredTenant(request.params.tenant, principal);
        note.tenant = tenantId;
        const entryId = parsedId(request.params.id, "entry id");
        return answer(request, tenantId, entryId).then(
          (response) => observer.end(note, request, response),
          (error: unknown) => observer.end(note, request, failed(deps, request, error, note.id)),
        );
      } catch (error) {
        return observer.end(note, request, failed(deps, request, error, note.id));
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
  };
}

function failed(deps: FastRouteDeps, request: Request, error: unknown, requestId: string): Response {
  return responseForError(error, deps.report, `${request.method} ${new URL(request.url).pathname}`, requestId);
}
