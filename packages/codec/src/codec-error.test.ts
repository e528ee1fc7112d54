import { describe, expect, test } from "bun:test";
import { CodecError, type CodecErrorCode, isCodecError, isCorruptionCode } from "./codec-error.ts";

const CORRUPTION: CodecErrorCode[] = [
  "bad_magic",
  "unsupported_version",
  "bad_header",
  "truncated",
  "trailing_bytes",
  "checksum_mismatch",
  "malformed_body",
  "header_mismatch",
];
const BAD_INPUT: CodecErrorCode[] = ["invalid_value", "invalid_json", "malformed_stream", "too_large"];

describe("CodecError", () => {
  test("carries its name, code, message and cause", () => {
    const cause = new Error("underlying");
    const error = new CodecError("truncated", "file is short", { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ReflexCodecError");
    expect(error.code).toBe("truncated");
    expect(error.message).toBe("file is short");
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe("ReflexCodecError: file is short");
  });
});

describe("isCodecError", () => {
  test("is true for a CodecError", () => {
    expect(isCodecError(new CodecError("invalid_value", "x"))).toBe(true);
  });

  test("is true for a look-alike from another copy of the package (checked by name and code)", () => {
    class OtherCopyCodecError extends Error {
      override readonly name = "ReflexCodecError";
      readonly code = "checksum_mismatch";
    }
    const error = new OtherCopyCodecError("from elsewhere");
    expect(error instanceof CodecError).toBe(false);
    expect(isCodecError(error)).toBe(true);
  });

  test.each([
    ["a plain Error", new Error("x")],
    ["an Error with a code but another name", Object.assign(new Error("x"), { code: "truncated" })],
    ["an Error with the name but no code", Object.assign(new Error("x"), { name: "ReflexCodecError" })],
    ["a plain object shaped like one", { name: "ReflexCodecError", code: "truncated", message: "x" }],
    ["a string", "ReflexCodecError"],
    ["null", null],
    ["undefined", undefined],
  ])("is false for %s", (_label, value) => {
    expect(isCodecError(value)).toBe(false);
  });
});

describe("isCorruptionCode", () => {
  test.each(CORRUPTION)("%s means damaged bytes", (code) => {
    expect(isCorruptionCode(code)).toBe(true);
  });

  test.each(BAD_INPUT)("%s means bad input, not damage", (code) => {
    expect(isCorruptionCode(code)).toBe(false);
  });
});
