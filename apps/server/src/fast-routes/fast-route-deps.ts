import type { EntryStore } from "@reflex/core";
import type { ReflexApp } from "../app.ts";
import type { TokenSet } from "../auth/token-set.ts";
import { type InternalErrorReporter, responseForError } from "../errors.ts";
import type { RequestObserver } from "../observe/request-observer.ts";

/** What the fast routes need: the same store, tokens and error reporter as the app, the app for fallbacks, and the observer. */
export interface FastRouteDeps {
  readonly app: ReflexApp;
  readonly store: EntryStore;
  readonly tokens: TokenSet | undefined;
  readonly report: InternalErrorReporter;
  /** Gives each request its id, metrics and log line, as it does for Hono's. */
  readonly observer: RequestObserver;
}

/** A request of Bun.serve's route table, with the route's parameters. */
export type BunRequest = Request & { readonly params: Record<string, string> };

/** The error answer of a fast route: the Hono app's own, for the same error (logged with the request's id). */
export function fastRouteFailed(deps: FastRouteDeps, request: Request, error: unknown, requestId: string): Response {
  return responseForError(error, deps.report, `${request.method} ${new URL(request.url).pathname}`, requestId);
}
