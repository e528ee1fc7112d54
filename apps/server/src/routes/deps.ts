import type { OpenAPIHono } from "@hono/zod-openapi";
import type { EntryStore } from "@reflex/core";
import type { OperationMetrics } from "@reflex/stats";
import type { AppEnv } from "../env.ts";
import type { MetricsSource } from "../observe/metrics.ts";

/** What the route modules need from the app. */
export interface RouteDeps {
  readonly store: EntryStore;
  /** Request body limit of the PUT route, in bytes. */
  readonly maxBodyBytes: number;
  /** Source of `/metrics`. */
  readonly metrics: MetricsSource;
  /** Operation metrics reported by `/v1/stats`, when the store records them. */
  readonly operations: OperationMetrics | undefined;
}

/** The app type every route module registers on. */
export type App = OpenAPIHono<AppEnv>;

/** Tenant and entry ids of a validated path, as bigints. */
export function entryIds(params: { tenant: string; id: string }): { tenantId: bigint; entryId: bigint } {
  return { tenantId: BigInt(params.tenant), entryId: BigInt(params.id) };
}
