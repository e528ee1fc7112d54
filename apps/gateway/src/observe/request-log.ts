import type { Outcome } from "./gateway-metrics.ts";

/** One answered request, as the request log gets it: no header, no body, no key. */
export interface GatewayRequestRecord {
  readonly requestId: string;
  readonly method: string;
  /** The route template (`/v1/chat/completions`, `/v1/*` for pass-through), or `unmatched`. */
  readonly route: string;
  readonly status: number;
  /** From arrival to the response's headers. */
  readonly durationMs: number;
  /** `hit`, `miss`, `bypass` or `error` for the cached endpoints. */
  readonly outcome: Outcome | undefined;
  readonly tenant: bigint | undefined;
  /** The caller's name: `keyed`, `anonymous` or a gateway token's name. */
  readonly caller: string | undefined;
}

/** Takes one request record. */
export type RequestLog = (record: GatewayRequestRecord) => void;

/**
 * A request log writing one line per request to `write`: JSON (`time`, `level`, `msg`,
 * `request_id`, `method`, `route`, `status`, `duration_ms`, `outcome`, `tenant` as a
 * decimal string, `caller`) or text (`time method route status duration outcome caller id`).
 *
 * @example const log = requestLog("json", (line) => process.stdout.write(line));
 */
export function requestLog(format: "text" | "json", write: (line: string) => void): RequestLog {
  if (format === "json") {
    return (r) =>
      write(
        `${JSON.stringify({
          time: new Date().toISOString(),
          level: "info",
          msg: "request",
          request_id: r.requestId,
          method: r.method,
          route: r.route,
          status: r.status,
          duration_ms: Math.round(r.durationMs * 1000) / 1000,
          outcome: r.outcome,
          tenant: r.tenant?.toString(),
          caller: r.caller,
        })}\n`,
      );
  }
  return (r) =>
    write(
      `${new Date().toISOString()} ${r.method} ${r.route} ${r.status} ${r.durationMs.toFixed(1)}ms ${r.outcome ?? "-"} ${r.caller ?? "-"} ${r.requestId}\n`,
    );
}
