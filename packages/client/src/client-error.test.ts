import { expect, test } from "bun:test";
import { isReflexClientError, ReflexClientError } from "./client-error.ts";

test("the guard checks the name (and the code when given), not instanceof", () => {
  const error = new ReflexClientError("not_found", 404, "no such entry");
  expect(isReflexClientError(error)).toBe(true);
  expect(isReflexClientError(error, "not_found")).toBe(true);
  expect(isReflexClientError(error, "forbidden")).toBe(false);
  // a copy from another instance of the package: same shape, another class
  const foreign = Object.assign(new Error("x"), { name: "ReflexClientError", code: "timeout", status: 0 });
  expect(isReflexClientError(foreign, "timeout")).toBe(true);
  expect(isReflexClientError(new Error("x"))).toBe(false);
  expect(isReflexClientError("ReflexClientError")).toBe(false);
  expect([error.name, error.code, error.status, error.message]).toEqual([
    "ReflexClientError",
    "not_found",
    404,
    "no such entry",
  ]);
});
