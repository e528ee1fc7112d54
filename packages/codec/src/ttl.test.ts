import { describe, expect, test } from "bun:test";
import { isCodecError } from "./codec-error.ts";
import { isTtlText, parseTtlSeconds } from "./ttl.ts";

describe("the TTL grammar", () => {
  test("canonical decimal seconds, 0 to 10 digits", () => {
    for (const text of ["0", "1", "3600", "86400", "9999999999"]) {
      expect(isTtlText(text)).toBe(true);
      expect(parseTtlSeconds(text)).toBe(Number(text));
    }
  });

  test("refuses signs, leading zeros, fractions, blanks, units and more than 10 digits", () => {
    for (const text of ["", "-1", "+1", "01", "00", "1.5", " 1", "1 ", "1s", "1e3", "10000000000", "0x10"]) {
      expect(isTtlText(text)).toBe(false);
      let caught: unknown;
      try {
        parseTtlSeconds(text, "--ttl");
      } catch (error) {
        caught = error;
      }
      expect(isCodecError(caught) && caught.code === "invalid_value").toBe(true);
      expect((caught as Error).message).toBe(
        `--ttl must be a whole number of seconds of at most 10 digits (0: never expires), got ${JSON.stringify(text)}`,
      );
    }
  });
});
