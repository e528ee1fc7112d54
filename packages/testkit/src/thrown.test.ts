import { describe, expect, test } from "bun:test";
import { thrownBy } from "./thrown.ts";

describe("thrownBy", () => {
  test("answers the error thrown, and fails when nothing is", () => {
    const error = new RangeError("bad");
    expect(
      thrownBy(() => {
        throw error;
      }),
    ).toBe(error);
    expect(() => thrownBy(() => 1)).toThrow("expected a failure");
  });
});
