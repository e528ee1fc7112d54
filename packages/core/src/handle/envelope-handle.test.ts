import { describe, expect, test } from "bun:test";
import { encodeEnvelope } from "@reflex/codec";
import { isStoreError } from "../contract/store-error.ts";
import { envelopeHandle, storedEnvelopeHandle } from "./envelope-handle.ts";

const entry = {
  tenantId: 3n,
  contextHash: 9n,
  timestamp: 1_700_000_000n,
  embedding: new Uint8Array([1, 2]),
  payloadBlob: new TextEncoder().encode("hi"),
};

function reasonOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (isStoreError(error, "corrupt")) return error.reason;
    throw error;
  }
  return "no error";
}

describe("envelopeHandle", () => {
  test("verified bytes give a zero-copy handle with the expiry", () => {
    const bytes = encodeEnvelope(42n, entry, 1_800_000_000n);
    const handle = envelopeHandle(bytes, 3n, 42n, "key");
    expect([handle.tenantId, handle.entryId, handle.expiresAt, handle.fileBytes]).toEqual([
      3n,
      42n,
      1_800_000_000n,
      bytes.byteLength,
    ]);
    expect(handle.payloadBlob.buffer).toBe(bytes.buffer);
    expect(handle.mapped).toBe(false);
    handle.release();
  });

  test("damaged or misplaced bytes are corrupt, with the reason", () => {
    const bytes = encodeEnvelope(42n, entry);
    const flipped = bytes.slice();
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
    expect(reasonOf(() => envelopeHandle(flipped, 3n, 42n, "key"))).toBe("checksum_mismatch");
    expect(reasonOf(() => envelopeHandle(bytes.subarray(0, 10), 3n, 42n, "key"))).toBe("truncated");
    expect(reasonOf(() => envelopeHandle(bytes, 4n, 42n, "key"))).toBe("tenant_mismatch");
    expect(reasonOf(() => envelopeHandle(bytes, 3n, 43n, "key"))).toBe("id_mismatch");
  });
});

describe("storedEnvelopeHandle", () => {
  test("reads its fields from the just-encoded bytes and carries created", () => {
    const bytes = encodeEnvelope(7n, entry);
    const handle = storedEnvelopeHandle(bytes, true);
    expect([handle.created, handle.tenantId, handle.entryId, handle.contextHash]).toEqual([true, 3n, 7n, 9n]);
    expect(new TextDecoder().decode(handle.payloadBlob)).toBe("hi");
    handle.release();
  });
});
