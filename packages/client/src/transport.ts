import { apiErrorCodeOfStatus, isApiErrorCode } from "@reflex/codec";
import { ReflexClientError, type ReflexClientErrorCode } from "./client-error.ts";

/** Options of a {@link ReflexClient} (and its transport), with {@link resolveClientOptions} beside them. */
export interface ClientOptions {
  /** Where the server listens, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** Bearer token sent on every call; omit for a server without tokens. */
  readonly token?: string;
  /** Time limit of one attempt, in ms (`AbortSignal.timeout`). Default 10,000. */
  readonly timeoutMs?: number;
  /** Further attempts of an idempotent call after a network error (not a refused certificate) or a 503. Default 2. */
  readonly retries?: number;
  /** Wait before the first retry, in ms, doubled each time up to {@link MAX_BACKOFF_MS}. Default 50. */
  readonly backoffMs?: number;
  /** The fetch to use. Default the global one (Bun keeps connections alive). */
  readonly fetch?: (request: Request) => Promise<Response>;
  /** TLS of an `https://` {@link baseUrl}, for the default fetch (not with {@link fetch}). */
  readonly tls?: ClientTlsOptions;
}

/** How the client trusts an https server. */
export interface ClientTlsOptions {
  /**
   * PEM certificates to trust instead of the system's CAs: a private CA, or the server's
   * self-signed certificate itself. Passed to Bun's `fetch(url, { tls: { ca } })`.
   */
  readonly ca: string | Uint8Array | readonly (string | Uint8Array)[];
}

/** The longest wait between two attempts. */
export const MAX_BACKOFF_MS = 1000;

/** {@link ClientOptions} with every default filled in. */
export interface ResolvedClientOptions {
  readonly baseUrl: string;
  readonly token: string | undefined;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly backoffMs: number;
  readonly fetch: (request: Request) => Promise<Response>;
}

/** Fills in the defaults of {@link ClientOptions}. Throws a TypeError for both `fetch` and `tls`. */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  if (options.fetch !== undefined && options.tls !== undefined) {
    throw new TypeError("ReflexClient: give tls or fetch, not both (tls configures the default fetch)");
  }
  const ca = options.tls?.ca;
  const tls = ca === undefined ? undefined : { ca: typeof ca === "string" || ca instanceof Uint8Array ? ca : [...ca] };
  return {
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    token: options.token,
    timeoutMs: options.timeoutMs ?? 10_000,
    retries: Math.max(0, Math.min(options.retries ?? 2, 10)),
    backoffMs: options.backoffMs ?? 50,
    fetch: options.fetch ?? (tls === undefined ? (request) => fetch(request) : (request) => fetch(request, { tls })),
  };
}

/** One call to the API. */
export interface CallSpec {
  readonly method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE";
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: Uint8Array | string;
  readonly contentType?: string;
  readonly accept?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Safe to send again: retried on a network error or a 503. */
  readonly idempotent: boolean;
  /** Statuses besides 2xx that the caller handles itself (404 for HEAD, 304). */
  readonly allow?: readonly number[];
}

/** The code of a body-less error answer (HEAD), by status (`apiErrorCodeOfStatus` of `@reflex/codec`). */
function codeOfStatus(status: number): ReflexClientErrorCode {
  return apiErrorCodeOfStatus(status) ?? "bad_response";
}

/** The error of a non-2xx answer, from its `{"error":{code,message}}` body when it has one. */
export async function errorOf(response: Response): Promise<ReflexClientError> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const code = body.error?.code;
    const message = body.error?.message;
    if (typeof code === "string" && typeof message === "string") {
      const known = isApiErrorCode(code) ? code : "bad_response";
      return new ReflexClientError(known, response.status, message);
    }
  } catch {
    // not JSON: fall through to the status
  }
  return new ReflexClientError(codeOfStatus(response.status), response.status, `HTTP ${response.status}`);
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

/**
 * True for a refused server certificate (`DEPTH_ZERO_SELF_SIGNED_CERT`, `CERT_HAS_EXPIRED`,
 * `ERR_TLS_CERT_ALTNAME_INVALID`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, ...): asking again gets
 * the same answer, so such a call is not retried.
 */
function isCertificateError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /CERT|LEAF_SIGNATURE|HOSTNAME_MISMATCH/.test(code);
}

/** Sends calls: bearer token, one timeout per attempt, bounded retries of idempotent calls. */
export class Transport {
  constructor(readonly options: ResolvedClientOptions) {}

  /** The URL of `spec` (path and query). */
  url(spec: Pick<CallSpec, "path" | "query">): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(spec.query ?? {})) if (value !== undefined) params.set(name, value);
    const query = params.size > 0 ? `?${params}` : "";
    return `${this.options.baseUrl}${spec.path}${query}`;
  }

  /** Sends `spec`; resolves to a 2xx answer (or one of `spec.allow`), else throws a `ReflexClientError`. */
  async call(spec: CallSpec): Promise<Response> {
    const { retries, backoffMs } = this.options;
    const attempts = spec.idempotent ? retries + 1 : 1;
    let wait = backoffMs;
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= attempts;
      let response: Response;
      try {
        response = await this.once(spec);
      } catch (error) {
        if (isTimeout(error)) {
          throw new ReflexClientError(
            "timeout",
            0,
            `${spec.method} ${spec.path}: no answer within ${this.options.timeoutMs} ms`,
            { cause: error },
          );
        }
        if (last || isCertificateError(error)) {
          throw new ReflexClientError("network_error", 0, `${spec.method} ${spec.path}: ${(error as Error).message}`, {
            cause: error,
          });
        }
        await Bun.sleep(wait);
        wait = Math.min(wait * 2, MAX_BACKOFF_MS);
        continue;
      }
      if (response.ok || spec.allow?.includes(response.status)) return response;
      if (response.status === 503 && !last) {
        await response.body?.cancel();
        await Bun.sleep(wait);
        wait = Math.min(wait * 2, MAX_BACKOFF_MS);
        continue;
      }
      throw await errorOf(response);
    }
  }

  private once(spec: CallSpec): Promise<Response> {
    const headers = new Headers(spec.headers);
    if (this.options.token !== undefined) headers.set("Authorization", `Bearer ${this.options.token}`);
    if (spec.contentType !== undefined) headers.set("Content-Type", spec.contentType);
    if (spec.accept !== undefined) headers.set("Accept", spec.accept);
    const init: RequestInit = {
      method: spec.method,
      headers,
      signal: AbortSignal.timeout(this.options.timeoutMs),
    };
    if (spec.body !== undefined) init.body = spec.body as RequestInit["body"];
    return this.options.fetch(new Request(this.url(spec), init));
  }
}

/** True, with the body discarded, when `response` is the 404 a call allowed (the thing asked for is missing). */
export async function isMissing(response: Response): Promise<boolean> {
  if (response.status !== 404) return false;
  await response.body?.cancel();
  return true;
}
