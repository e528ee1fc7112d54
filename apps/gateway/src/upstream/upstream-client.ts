import { GatewayError } from "../gateway-error.ts";

/** Options of {@link UpstreamClient}. */
export interface UpstreamOptions {
  /** The provider's API base, e.g. `https://api.openai.com/v1` (a trailing slash is ignored). */
  readonly baseUrl: string;
  /**
   * Most milliseconds from sending a request to the upstream's response headers and, for a
   * whole answer ({@link UpstreamRequest.whole}), to its last byte.
   */
  readonly timeoutMs: number;
}

/** One request to the upstream. */
export interface UpstreamRequest {
  readonly method: string;
  /** The path below the API base, with its query: `/chat/completions`. */
  readonly path: string;
  readonly headers: Headers;
  readonly body?: RequestInit["body"];
  /** Aborts the upstream request (the client went away). */
  readonly signal?: AbortSignal;
}

/** An upstream answer read whole. */
export interface WholeAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

/**
 * The provider behind the gateway, reached with `fetch`. A network failure is a
 * `upstream_unreachable` GatewayError (502), no answer within the timeout `upstream_timeout`
 * (504); any HTTP answer, error statuses included, is returned as it came.
 *
 * @example
 * const upstream = new UpstreamClient({ baseUrl: "https://api.openai.com/v1", timeoutMs: 600_000 });
 * const answer = await upstream.whole({ method: "POST", path: "/chat/completions", headers, body });
 */
export class UpstreamClient {
  readonly #base: string;
  readonly #timeoutMs: number;

  constructor(options: UpstreamOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs;
  }

  /** The API base requests go to. */
  get baseUrl(): string {
    return this.#base;
  }

  /**
   * Sends `request` and resolves once the response headers arrive (the timeout covers only
   * that); the body is left to the caller to stream.
   */
  async open(request: UpstreamRequest): Promise<Response> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.#timeoutMs);
    try {
      return await this.#fetch(request, timeout.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `request` and reads the whole answer, all within the timeout. */
  async whole(request: UpstreamRequest): Promise<WholeAnswer> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.#timeoutMs);
    try {
      const response = await this.#fetch(request, timeout.signal);
      let body: Uint8Array;
      try {
        body = await response.bytes();
      } catch (error) {
        throw failure(error, timeout.signal);
      }
      return { status: response.status, headers: response.headers, body };
    } finally {
      clearTimeout(timer);
    }
  }

  async #fetch(request: UpstreamRequest, timeout: AbortSignal): Promise<Response> {
    const signal = request.signal === undefined ? timeout : AbortSignal.any([timeout, request.signal]);
    try {
      return await fetch(this.#base + request.path, {
        method: request.method,
        headers: request.headers,
        body: request.body ?? null,
        signal,
        redirect: "manual",
        // Bun: no decompression surprises with a streamed request body.
        duplex: "half",
      } as RequestInit);
    } catch (error) {
      throw failure(error, timeout);
    }
  }
}

function failure(error: unknown, timeout: AbortSignal): GatewayError {
  if (timeout.aborted) {
    return new GatewayError("upstream_timeout", "the upstream did not answer in time", { cause: error });
  }
  return new GatewayError("upstream_unreachable", "the upstream could not be reached", { cause: error });
}
