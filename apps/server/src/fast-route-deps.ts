import type { EntryStore } from "@reflex/core";
import type { ReflexApp } from "./app.ts";
import { type InternalErrorReporter, responseForError } from "./errors.ts";
import type { TokenSet } from "./token-set.ts";

/** What the fast routes need: the same store, tokens and error reporter as the app, and the app for fallbacks. */
export interface FastRouteDeps {
  readonly app: ReflexApp;
  readonly store: EntryStore;
  readonly tokens: TokenSet | undefined;
  readonly report: InternalErrorReporter;
}

/** A request of Bun.serve's route table, with the route's parameters. */
export type BunRequest = Request & { readonly params: Record<string, string> };

/** The error answer of a fast route: the Hono app's own, for the same error. */
export function fastRouteFailed(deps: FastRouteDeps, request: Request, error: unknown): Response {
  return responseForError(error, deps.report, `${request.method} ${new URL(request.url).pathname}`);
}
