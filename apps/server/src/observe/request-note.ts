import type { Context } from "hono";

/**
 * What the server learns about one request while answering it, for its metrics and its
 * log line: made by the request observer on arrival, filled by the fast routes (route,
 * principal, tenant) or, on the Hono path, by leaving the Hono context here.
 */
export interface RequestNote {
  /** `performance.now()` on arrival. */
  readonly start: number;
  /** The `X-Request-Id` of the answer. */
  readonly id: string;
  /** The route template, when known without Hono (the fast routes). */
  route: string;
  principal: string | undefined;
  tenant: bigint | undefined;
  /** The Hono context of the request, when Hono answered it (route, principal and tenant come from it). */
  context: Context | undefined;
}
