import { describe, expect, test } from "bun:test";
import { parseArgs } from "node:util";
import { CodecError } from "@reflex/codec";
import { StoreError } from "@reflex/core";
import { ExitCode, errorLine, exitCodeFor, UsageError } from "./exit-codes.ts";

function parseArgsError(): unknown {
  try {
    parseArgs({ args: ["--nope"], options: {}, strict: true });
  } catch (error) {
    return error;
  }
  throw new Error("parseArgs accepted an unknown option");
}

describe("exitCodeFor: the one mapping", () => {
  test("store errors: not_found 1, invalid_argument 2, the rest 3", () => {
    expect(exitCodeFor(new StoreError("not_found", "x"))).toBe(ExitCode.notFound);
    expect(exitCodeFor(new StoreError("invalid_argument", "x"))).toBe(ExitCode.usage);
    expect(exitCodeFor(new StoreError("invalid_embedding", "x"))).toBe(ExitCode.usage);
    expect(exitCodeFor(new StoreError("unsupported", "x"))).toBe(ExitCode.storage);
    for (const code of [
      "storage_unavailable",
      "tenant_dir_creation_failed",
      "serialization",
      "io",
      "corrupt",
    ] as const) {
      expect(exitCodeFor(new StoreError(code, "x"))).toBe(ExitCode.storage);
    }
  });

  test("codec errors: bad input 2, damaged stored bytes 3", () => {
    expect(exitCodeFor(new CodecError("invalid_value", "bad id"))).toBe(2);
    expect(exitCodeFor(new CodecError("malformed_stream", "cut"))).toBe(2);
    expect(exitCodeFor(new CodecError("too_large", "big"))).toBe(2);
    expect(exitCodeFor(new CodecError("checksum_mismatch", "bad"))).toBe(3);
  });

  test("usage and parseArgs errors 2; anything else 3", () => {
    expect(exitCodeFor(new UsageError("x"))).toBe(2);
    expect(exitCodeFor(parseArgsError())).toBe(2);
    expect(exitCodeFor(new Error("boom"))).toBe(3);
    expect(exitCodeFor("a string")).toBe(3);
  });
});

describe("errorLine", () => {
  test("one line, whatever the message", () => {
    expect(errorLine(new StoreError("io", "write failed:\n  ENOSPC"))).toBe("write failed: ENOSPC");
    expect(errorLine(parseArgsError())).toBe("unknown option '--nope'");
    expect(errorLine(new Error(""))).toBe("unexpected error");
  });

  test("a broken pipe prints nothing", () => {
    expect(errorLine(Object.assign(new Error("EPIPE: broken pipe"), { code: "EPIPE" }))).toBeNull();
  });
});
