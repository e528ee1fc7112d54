/** One answered request, as the request log gets it (never a header: no token can reach a log). */
export interface RequestRecord {
  /** The `X-Request-Id` of the answer (echoed or generated). */
  readonly requestId: string;
  readonly method: string;
  /** The route template (`/v1/tenants/:tenant/entries/:id`), or `unmatched`. */
  readonly route: string;
  /** The request's path, still percent-encoded (no query string). */
  readonly path: string;
  readonly status: number;
  /** From arrival to the response's headers, in ms. */
  readonly durationMs: number;
  /** The tenant of the path, once parsed. */
  readonly tenant: bigint | undefined;
  /** The name of the token that authenticated the request (`anonymous` when auth is off). */
  readonly principal: string | undefined;
}

/** Milliseconds to 3 decimals (µs). */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** The text request line: time, method, path, status, duration, principal, request id. */
export function formatTextRequest(r: RequestRecord): string {
  const who = r.principal ?? "-";
  return `${new Date().toISOString()} ${r.method} ${r.path} ${r.status} ${r.durationMs.toFixed(1)}ms ${who} ${r.requestId}\n`;
}

/** The JSON request line (one object; `tenant` as a decimal string, like every u64 of the API). */
export function formatJsonRequest(r: RequestRecord): string {
  return `${JSON.stringify({
    time: new Date().toISOString(),
    level: "info",
    msg: "request",
    request_id: r.requestId,
    method: r.method,
    route: r.route,
    path: r.path,
    status: r.status,
    duration_ms: roundMs(r.durationMs),
    tenant: r.tenant?.toString(),
    principal: r.principal,
  })}\n`;
}

/**
 * A JSON record of a message; an error adds `error` (its message), `cause` and `stack` (one
 * field, newlines escaped), and `request_id` the request it happened in.
 */
export function formatJsonRecord(level: "info" | "error", msg: string, error?: unknown, requestId?: string): string {
  const record: Record<string, unknown> = { time: new Date().toISOString(), level, msg };
  if (requestId !== undefined) record.request_id = requestId;
  if (error !== undefined) {
    record.error = error instanceof Error ? error.message : String(error);
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
    if (cause !== undefined) record.cause = cause.message;
    const stack = error instanceof Error ? ((cause ?? error).stack ?? error.stack) : undefined;
    if (stack !== undefined) record.stack = stack;
  }
  return `${JSON.stringify(record)}\n`;
}

/** A text error: the message (with ` [request <id>]`), then the cause's message or the error's stack. */
export function formatTextError(message: string, error?: unknown, requestId?: string): string {
  const msg = requestId === undefined ? message : `${message} [request ${requestId}]`;
  if (error === undefined) return `${msg}\n`;
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause instanceof Error) return `${msg} (cause: ${cause.message})\n`;
  if (error instanceof Error) return error.stack ? `${msg}\n${error.stack}\n` : `${msg}\n`;
  return `${msg}: ${String(error)}\n`;
}
