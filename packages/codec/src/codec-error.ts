/**
 * Why a codec operation failed. The first group means "the bytes are damaged"
 * (see {@link isCorruptionCode}); the rest mean "the caller gave bad input".
 */
export type CodecErrorCode =
  | "bad_magic"
  | "unsupported_version"
  | "bad_header"
  | "truncated"
  | "trailing_bytes"
  | "checksum_mismatch"
  | "malformed_body"
  | "header_mismatch"
  | "invalid_value"
  | "invalid_json"
  | "malformed_stream"
  | "too_large";

const CORRUPTION_CODES: ReadonlySet<CodecErrorCode> = new Set<CodecErrorCode>([
  "bad_magic",
  "unsupported_version",
  "bad_header",
  "truncated",
  "trailing_bytes",
  "checksum_mismatch",
  "malformed_body",
  "header_mismatch",
]);

/** The one error class of `@reflex/codec`; `code` says what went wrong. */
export class CodecError extends Error {
  override readonly name = "ReflexCodecError";
  readonly code: CodecErrorCode;

  constructor(code: CodecErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * True for a {@link CodecError}, checked by `name` and `code` rather than
 * `instanceof` so that it also works across two copies of this package.
 */
export function isCodecError(value: unknown): value is CodecError {
  return (
    value instanceof Error &&
    value.name === "ReflexCodecError" &&
    typeof (value as { code?: unknown }).code === "string"
  );
}

/** True when the code means stored bytes are damaged rather than input being wrong. */
export function isCorruptionCode(code: CodecErrorCode): boolean {
  return CORRUPTION_CODES.has(code);
}
