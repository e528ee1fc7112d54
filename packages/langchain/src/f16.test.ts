import { expect, test } from "bun:test";
import { encodeF16 } from "./f16.ts";

test("little-endian f16: 1.0 is 0x3c00, -2 is 0xc000, 0.1 rounds to the nearest f16", () => {
  const bytes = encodeF16([1, -2, 0.1]);
  expect([...bytes]).toEqual([0x00, 0x3c, 0x00, 0xc0, 0x66, 0x2e]);
  expect(new DataView(bytes.buffer).getFloat16(4, true)).toBe(Math.f16round(0.1));
});
