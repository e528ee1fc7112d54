/**
 * Every way the gateway itself refuses or fails a request, listed once: the code, the HTTP
 * status and the OpenAI error `type` it is answered with. An upstream's own error answer is
 * never one of these: it reaches the client unchanged.
 */
export const GATEWAY_ERRORS = {
  invalid_json: { status: 400, type: "invalid_request_error" },
  invalid_request: { status: 400, type: "invalid_request_error" },
  invalid_header: { status: 400, type: "invalid_request_error" },
  missing_credentials: { status: 401, type: "invalid_request_error" },
  invalid_credentials: { status: 401, type: "invalid_request_error" },
  not_found: { status: 404, type: "invalid_request_error" },
  body_too_large: { status: 413, type: "invalid_request_error" },
  unsupported_media_type: { status: 415, type: "invalid_request_error" },
  internal_error: { status: 500, type: "server_error" },
  upstream_unreachable: { status: 502, type: "upstream_error" },
  upstream_timeout: { status: 504, type: "upstream_error" },
  // The semantic tiers' own calls: counted and logged, never answered to a client (the
  // request is then answered without that tier).
  embedding_failed: { status: 502, type: "upstream_error" },
  rerank_failed: { status: 502, type: "upstream_error" },
} as const satisfies Record<string, { readonly status: number; readonly type: string }>;

/** A code of {@link GatewayError}. */
export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

/** OpenAI's error body: what the official SDKs parse into an `APIError`. */
export interface OpenAiErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly code: string;
    readonly param: null;
  };
}

/**
 * The one error class of the gateway: a code from {@link GATEWAY_ERRORS} and a message safe
 * to send to the client (never a prompt, a key or a path).
 *
 * @example
 * throw new GatewayError("invalid_request", "`model` must be a non-empty string");
 */
export class GatewayError extends Error {
  override readonly name = "ReflexGatewayError";
  readonly code: GatewayErrorCode;

  constructor(code: GatewayErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** The HTTP status of this error's code. */
  get status(): number {
    return GATEWAY_ERRORS[this.code].status;
  }
}

/**
 * True for a {@link GatewayError} (checked by `name` and a known `code`, not `instanceof`, so two
 * copies of the package agree); with `code`, also that code.
 */
export function isGatewayError(error: unknown, code?: GatewayErrorCode): error is GatewayError {
  if (typeof error !== "object" || error === null) return false;
  const candidate = error as { name?: unknown; code?: unknown };
  if (candidate.name !== "ReflexGatewayError" || typeof candidate.code !== "string") return false;
  if (!Object.hasOwn(GATEWAY_ERRORS, candidate.code)) return false;
  return code === undefined || candidate.code === code;
}

/** The OpenAI-shaped body of an error code and message. */
export function openAiErrorBody(code: GatewayErrorCode, message: string): OpenAiErrorBody {
  return { error: { message, type: GATEWAY_ERRORS[code].type, code, param: null } };
}

/** The JSON response of a gateway error (its status, OpenAI's error shape). */
export function errorResponse(error: GatewayError): Response {
  return Response.json(openAiErrorBody(error.code, error.message), { status: error.status });
}
