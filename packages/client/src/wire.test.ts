import { expect, test } from "bun:test";
import { encodeEntryResponse } from "@reflex/codec";
import { entryOfProtobuf, readExpiresAt } from "./wire.ts";

const entry = {
  tenantId: 1n,
  contextHash: 2n,
  timestamp: 3n,
  embedding: new Uint8Array([0, 0x3c]),
  payloadBlob: new TextEncoder().encode("p"),
};

test("expires_at (field 6) is read past every other field; absent is 0", () => {
  expect(readExpiresAt(encodeEntryResponse(entry, 1_900_000_000n))).toBe(1_900_000_000n);
  expect(readExpiresAt(encodeEntryResponse(entry, 0n))).toBe(0n);
  const decoded = entryOfProtobuf(encodeEntryResponse(entry, 5n));
  expect(decoded.expiresAt).toBe(5n);
  expect(decoded.contextHash).toBe(2n);
});

test("a truncated encoding throws", () => {
  const bytes = encodeEntryResponse(entry, 1_900_000_000n);
  expect(() => readExpiresAt(bytes.subarray(0, bytes.byteLength - 1))).toThrow(/past the end/);
});
