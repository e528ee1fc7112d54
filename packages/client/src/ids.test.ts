import { expect, test } from "bun:test";
import { isReflexClientError } from "./client-error.ts";
import { idOf, idText, pathId } from "./ids.ts";

test("bigints and safe non-negative integers are ids", () => {
  expect(idText(0)).toBe("0");
  expect(idText(Number.MAX_SAFE_INTEGER)).toBe("9007199254740991");
  expect(idText(18446744073709551615n)).toBe("18446744073709551615");
  expect(idOf(42, "tenant")).toBe(42n);
  expect(pathId(7n)).toBe("7");
});

test("a number that is not a safe non-negative integer fails with invalid_id before any request", () => {
  for (const bad of [1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
    let caught: unknown;
    try {
      idOf(bad, "tenant");
    } catch (error) {
      caught = error;
    }
    expect(isReflexClientError(caught, "invalid_id")).toBe(true);
    expect((caught as Error).message).toContain("tenant");
  }
});
