import { describe, expect, test } from "bun:test";
import { unlessMissing } from "./missing.ts";

const NOT_FOUND = new Error("not found");
const isMissing = (error: unknown) => error === NOT_FOUND;

describe("unlessMissing", () => {
  test("returns what the read returns", () => {
    expect(unlessMissing(() => 42, isMissing)).toBe(42);
  });

  test("is undefined when the read throws a missing error", () => {
    expect(
      unlessMissing(() => {
        throw NOT_FOUND;
      }, isMissing),
    ).toBeUndefined();
  });

  test("rethrows any other error", () => {
    expect(() =>
      unlessMissing(() => {
        throw new Error("disk on fire");
      }, isMissing),
    ).toThrow("disk on fire");
  });
});
