import { describe, expect, test } from "bun:test";
import { codecErrorCode } from "../test/helpers.ts";
import { CodecError, isCodecError } from "./codec-error.ts";
import { assertI64, assertU64, I64_MAX, I64_MIN, isCanonicalU64, parseI64, parseU64, U64_MAX } from "./u64.ts";

const NOT_CANONICAL_U64 = [
  "",
  "-1",
  "-0",
  "+1",
  " 1",
  "1 ",
  "1\n",
  "\t1",
  "01",
  "00",
  "007",
  "0x10",
  "0b1",
  "0o7",
  "1e3",
  "1_000",
  "1,000",
  "18446744073709551616",
  "18446744073709551620",
  "99999999999999999999",
  "99999999999999999999999",
  "100000000000000000000000000000000000000000000000000",
  "\u0661\u0662", // Arabic-Indic digits "١٢"
  "\uff11", // fullwidth digit one
  "1.0",
  "1.",
  ".5",
  "..",
  ".",
  "-",
  "a",
  "NaN",
  "Infinity",
  "1n",
];

describe("constants", () => {
  test("are the 64-bit bounds", () => {
    expect(U64_MAX).toBe(2n ** 64n - 1n);
    expect(I64_MIN).toBe(-(2n ** 63n));
    expect(I64_MAX).toBe(2n ** 63n - 1n);
  });
});

describe("parseU64", () => {
  test("accepts the bounds and ordinary ids", () => {
    expect(parseU64("0")).toBe(0n);
    expect(parseU64("1")).toBe(1n);
    expect(parseU64("42")).toBe(42n);
    expect(parseU64("9007199254740993")).toBe(9007199254740993n); // 2^53+1: would round as a number
    expect(parseU64("9223372036854775808")).toBe(1n << 63n);
    expect(parseU64("18446744073709551614")).toBe(U64_MAX - 1n);
    expect(parseU64("18446744073709551615")).toBe(U64_MAX);
  });

  test.each(NOT_CANONICAL_U64)("rejects %p with invalid_value", (text) => {
    expect(codecErrorCode(() => parseU64(text))).toBe("invalid_value");
  });

  test("throws a CodecError that names the field", () => {
    let caught: unknown;
    try {
      parseU64("01", "tenant");
    } catch (error) {
      caught = error;
    }
    expect(isCodecError(caught)).toBe(true);
    expect(caught).toBeInstanceOf(CodecError);
    expect((caught as CodecError).code).toBe("invalid_value");
    expect((caught as CodecError).message).toContain("tenant");
  });

  test("keeps huge inputs out of the error message", () => {
    let caught: unknown;
    try {
      parseU64("9".repeat(100_000));
    } catch (error) {
      caught = error;
    }
    expect(isCodecError(caught)).toBe(true);
    expect((caught as CodecError).message.length).toBeLessThan(300);
  });

  test("round trips every value's decimal form", () => {
    for (const value of [0n, 1n, 9n, 10n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n, U64_MAX]) {
      expect(parseU64(value.toString())).toBe(value);
    }
  });
});

describe("isCanonicalU64", () => {
  test("is true exactly for the strings parseU64 accepts", () => {
    for (const text of ["0", "7", "10", "18446744073709551615"]) {
      expect(isCanonicalU64(text)).toBe(true);
    }
    for (const text of NOT_CANONICAL_U64) {
      expect(isCanonicalU64(text)).toBe(false);
    }
  });

  test("refuses file-name look-alikes", () => {
    expect(isCanonicalU64("42.tmp")).toBe(false);
    expect(isCanonicalU64("42.bin")).toBe(false);
    expect(isCanonicalU64(".42")).toBe(false);
  });
});

describe("assertU64", () => {
  test("accepts 0n and 2^64-1 and returns the value", () => {
    expect(assertU64(0n)).toBe(0n);
    expect(assertU64(U64_MAX)).toBe(U64_MAX);
    expect(assertU64(1n << 63n)).toBe(1n << 63n);
  });

  test.each([
    ["the number 1", 1],
    ["the number 0", 0],
    ["a safe-integer number", Number.MAX_SAFE_INTEGER],
    ["NaN", Number.NaN],
    ["a decimal string", "1"],
    ["null", null],
    ["undefined", undefined],
    ["a boxed bigint", Object(1n)],
    ["-1n", -1n],
    ["-(2^64)", -(2n ** 64n)],
    ["2^64", 2n ** 64n],
    ["2^64 + 1", 2n ** 64n + 1n],
    ["2^128", 2n ** 128n],
  ])("rejects %s with invalid_value", (_label, value) => {
    expect(codecErrorCode(() => assertU64(value))).toBe("invalid_value");
  });

  test("names the field in the message", () => {
    expect(() => assertU64(-1n, "entry id")).toThrow(/entry id/);
  });
});

describe("assertI64", () => {
  test("accepts the i64 bounds", () => {
    expect(assertI64(I64_MIN)).toBe(I64_MIN);
    expect(assertI64(I64_MAX)).toBe(I64_MAX);
    expect(assertI64(0n)).toBe(0n);
    expect(assertI64(-1n)).toBe(-1n);
  });

  test.each([
    ["the number 0", 0],
    ["the number -1", -1],
    ["a string", "0"],
    ["i64 max + 1", I64_MAX + 1n],
    ["i64 min - 1", I64_MIN - 1n],
    ["u64 max", U64_MAX],
  ])("rejects %s with invalid_value", (_label, value) => {
    expect(codecErrorCode(() => assertI64(value))).toBe("invalid_value");
  });
});

describe("parseI64", () => {
  test("accepts the bounds, zero and negatives", () => {
    expect(parseI64("0")).toBe(0n);
    expect(parseI64("-1")).toBe(-1n);
    expect(parseI64("1700000000")).toBe(1700000000n);
    expect(parseI64("-9223372036854775808")).toBe(I64_MIN);
    expect(parseI64("9223372036854775807")).toBe(I64_MAX);
  });

  test.each([
    "",
    "-",
    "-0",
    "+1",
    "+0",
    "--1",
    "01",
    "-01",
    " 1",
    "1 ",
    "1e3",
    "0x10",
    "1.0",
    "\u0661",
    "9223372036854775808", // i64 max + 1
    "-9223372036854775809", // i64 min - 1
    "18446744073709551615",
    "99999999999999999999",
    "-99999999999999999999",
  ])("rejects %p with invalid_value", (text) => {
    expect(codecErrorCode(() => parseI64(text))).toBe("invalid_value");
  });
});
