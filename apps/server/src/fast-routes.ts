import type { EntryStore } from "@reflex/core";
import type { ReflexApp } from "./app.ts";
import { type InternalErrorReporter, responseForError } from "./errors.ts";
import { principalFor } from "./middleware/authenticate.ts";
import { coveredTenant, parsedId } from "./middleware/authorize.ts";
import { entryResponse } from "./routes/entries.ts";
import { payloadResponse } from "./routes/payload.ts";
import type { TokenSet } from "./token-set.ts";

/** What the fast routes need: the same store, tokens and error reporter as the app, and the app for fallbacks. */
export interface FastRouteDeps {
  readonly app: ReflexApp;
  readonly store: EntryStore;
  readonly tokens: TokenSet | undefined;
  readonly report: InternalErrorReporter;
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
 * target with a `%` goes to Hono, whose path decoding is the reference. Not used when
 * requests are logged (the logger is Hono middleware).
 */
export function fastRoutes(deps: FastRouteDeps): Record<string, { GET: Handler }> {
  const route =
    (answer: (request: BunRequest, tenantId: bigint, entryId: bigint) => Promise<Response>): Handler =>
    (request, server) => {
      if (request.url.includes("%")) return deps.app.fetch(request, { server });
      try {
        const principal = principalFor(deps.tokens, request.headers.get("authorization"));
        const tenantId = coveredTenant(request.params.tenant, principal);
        const entryId = parsedId(request.params.id, "entry id");
        return answer(request, tenantId, entryId).catch((error: unknown) => failed(deps, request, error));
      } catch (error) {
        return failed(deps, request, error);
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
  };
}

function failed(deps: FastRouteDeps, request: Request, error: unknown): Response {
  return responseForError(error, deps.report, `${request.method} ${new URL(request.url).pathname}`);
}
