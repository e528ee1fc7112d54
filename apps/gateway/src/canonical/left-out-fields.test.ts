import { describe, expect, test } from "bun:test";
import { isLeftOut, LEFT_OUT_FIELDS } from "./left-out-fields.ts";

describe("left-out fields", () => {
  test("the delivery and bookkeeping fields are left out", () => {
    for (const field of ["stream", "stream_options", "user", "metadata", "store", "service_tier"]) {
      expect(isLeftOut(field)).toBe(true);
      expect(LEFT_OUT_FIELDS[field]).toBeString();
    }
  });

  test("fields that change the answer stay in", () => {
    for (const field of ["model", "messages", "temperature", "top_p", "seed", "n", "stop", "tools", "logit_bias"]) {
      expect(isLeftOut(field)).toBe(false);
    }
  });
});
