import { describe, expect, test } from "bun:test";
import { f16Bytes } from "@reflex/testkit";
import { isStoreError } from "../contract/store-error.ts";
import { checkEmbeddingLength, F16_TABLE, f16Bits, f16Norm, unitQuery } from "./f16.ts";

describe("f16", () => {
  test("the table decodes every bit pattern like DataView.getFloat16", () => {
    const view = new DataView(new ArrayBuffer(2));
    for (let bits = 0; bits < 65536; bits += 7) {
      view.setUint16(0, bits, true);
      const expected = view.getFloat16(0, true);
      if (Number.isNaN(expected)) expect(F16_TABLE[bits]).toBeNaN();
      else expect(F16_TABLE[bits]).toBe(expected);
    }
  });

  test("norms: 0 for empty, zero and non-finite vectors", () => {
    expect(f16Norm(f16Bits(f16Bytes([3, 4])))).toBe(5);
    expect(f16Norm(new Uint16Array(0))).toBe(0);
    expect(f16Norm(f16Bits(f16Bytes([0, -0])))).toBe(0);
    expect(f16Norm(f16Bits(f16Bytes([1, Number.NaN])))).toBe(0);
    expect(f16Norm(f16Bits(f16Bytes([1, Number.NEGATIVE_INFINITY])))).toBe(0);
  });

  test("odd lengths are invalid_embedding; unit queries have length 1", () => {
    expect(() => checkEmbeddingLength(new Uint8Array(3))).toThrow();
    let caught: unknown;
    try {
      unitQuery(new Uint8Array(3));
    } catch (error) {
      caught = error;
    }
    expect(isStoreError(caught, "invalid_embedding")).toBe(true);
    expect([...unitQuery(f16Bytes([3, 4]))]).toEqual([0.6, 0.8]);
  });
});
