import { expect, test } from "bun:test";
import { readI64, readU16, readU32, readU64 } from "./le-bytes.ts";

test("reads agree with DataView's little-endian reads at every offset", () => {
  const bytes = new Uint8Array(64);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 151 + 7) & 0xff;
  bytes.fill(0xff, 40, 48); // all ones: u64 max, i64 -1, u32 max
  const view = new DataView(bytes.buffer);
  for (let at = 0; at + 8 <= bytes.length; at++) {
    expect(readU16(bytes, at)).toBe(view.getUint16(at, true));
    expect(readU32(bytes, at)).toBe(view.getUint32(at, true));
    expect(readU64(bytes, at)).toBe(view.getBigUint64(at, true));
    expect(readI64(bytes, at)).toBe(view.getBigInt64(at, true));
  }
  expect(readU64(bytes, 40)).toBe(0xffff_ffff_ffff_ffffn);
  expect(readI64(bytes, 40)).toBe(-1n);
  expect(readU32(bytes, 40)).toBe(0xffff_ffff);
});

test("reads honour a view's byte offset", () => {
  const backing = new Uint8Array(24);
  backing.set([1, 0, 0, 0, 0, 0, 0, 0x80], 9);
  const view = backing.subarray(9);
  expect(readU64(view, 0)).toBe(0x8000_0000_0000_0001n);
  expect(readI64(view, 0)).toBe(-0x7fff_ffff_ffff_ffffn);
  expect(readU16(view, 0)).toBe(1);
});
