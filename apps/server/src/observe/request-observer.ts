import { type HttpMetrics, UNMATCHED_ROUTE } from "@reflex/stats";
import type { Context } from "hono";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "../env.ts";
import type { Logger } from "./logger.ts";
import { REQUEST_ID_HEADER, requestIdOf } from "./request-id.ts";
import type { RequestNote } from "./request-note.ts";

/** What {@link RequestObserver} reports into. */
export interface ObserverOptions {
  readonly http: HttpMetrics;
  readonly logger: Logger;
  /** Hand a record of each request to `logger.request`. */
  readonly logRequests: boolean;
}

/**
 * Observes every request `Bun.serve` answers, fast routes and Hono alike: gives each an
 * id (`X-Request-Id`, echoed or generated) on arrival, and once the response is ready
 * records its route template, status class and duration in the HTTP metrics and hands
 * a record to the request log. Per request: one small object, a header set, one
 * histogram record, and the log line when logging.
 */
export class RequestObserver {
  readonly #http: HttpMetrics;
  readonly #logger: Logger;
  readonly #log: boolean;

  constructor(options: ObserverOptions) {
    this.#http = options.http;
    this.#logger = options.logger;
    this.#log = options.logRequests && options.logger.request !== undefined;
  }

  /** The note of a request just arrived; `route` when the caller knows its template (the fast routes). */
  begin(request: Request, route: string = UNMATCHED_ROUTE): RequestNote {
    return {
      start: performance.now(),
      id: requestIdOf(request.headers.get(REQUEST_ID_HEADER)),
      route,
      principal: undefined,
      tenant: undefined,
      context: undefined,
    };
  }

  /** {@link end} once `answer` settles (at once when it is a Response already). */
  settle(note: RequestNote, request: Request, answer: Response | Promise<Response>): Response | Promise<Response> {
    if (answer instanceof Response) return this.end(note, request, answer);
    return answer.then((response) => this.end(note, request, response));
  }

  /** Records the answered request, sets its `X-Request-Id`, and returns the response to send. */
  end(note: RequestNote, request: Request, response: Response): Response {
    const durationMs = performance.now() - note.start;
    const c = note.context as Context<AppEnv> | undefined;
    const route = c === undefined ? note.route : routeOf(c);
    let answer = response;
    try {
      answer.headers.set(REQUEST_ID_HEADER, note.id);
    } catch {
      answer = new Response(response.body, response); // immutable headers (a fetched response)
      answer.headers.set(REQUEST_ID_HEADER, note.id);
    }
    this.#http.record(request.method, route, answer.status, durationMs * 1e6);
    if (this.#log) {
      (this.#logger.request as NonNullable<Logger["request"]>)({
        requestId: note.id,
        method: request.method,
        route,
        path: pathOf(request.url),
        status: answer.status,
        durationMs,
        tenant: c === undefined ? note.tenant : c.get("tenantId"),
        principal: c === undefined ? note.principal : c.get("principal")?.name,
      });
    }
    return answer;
  }
}

/** The template of the route that answered (the last matched handler that is not middleware), or `unmatched`. */
function routeOf(c: Context<AppEnv>): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i];
    if (route !== undefined && route.method !== "ALL") return route.path;
  }
  return UNMATCHED_ROUTE;
}

/** The path of a request URL, still percent-encoded, without the query. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const query = url.indexOf("?", start);
  return query < 0 ? url.slice(start) : url.slice(start, query);
}
