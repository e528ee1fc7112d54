import { describe, expect, test } from "bun:test";
import { requestIdOf } from "./request-id.ts";

describe("requestIdOf", () => {
  test("echoes a safe id of at most 128 characters", () => {
    for (const id of ["abc", "0af7651916cd43dd8448eb211c80319c", "trace:1/2+3=4@x_y.z-w", "a".repeat(128)]) {
      expect(requestIdOf(id)).toBe(id);
    }
  });

  test("generates a new, unique id for none, an empty one, a long one or unsafe characters", () => {
    const inputs = [null, "", "a".repeat(129), "two words", 'quote"', "new\nline", "{json}", "é"];
    const ids = inputs.map((input) => requestIdOf(input));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    expect(new Set(ids).size).toBe(ids.length);
    const prefix = (ids[0] as string).split("-")[0];
    expect(ids.every((id) => id.startsWith(`${prefix}-`))).toBe(true); // one prefix per process
  });
});
