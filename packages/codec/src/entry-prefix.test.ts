import { describe, expect, test } from "bun:test";
import { peekEntryPrefix } from "./entry-prefix.ts";
import { encodeEnvelope } from "./envelope.ts";

const entry = (embedding: Uint8Array, payload: number) => ({
  tenantId: 0xffff_ffff_ffff_ffffn,
  contextHash: 99n,
  timestamp: -5n,
  embedding,
  payloadBlob: new Uint8Array(payload).fill(7),
});

describe("peekEntryPrefix", () => {
  test("reads the lookup fields from the first bytes, or says how many more it needs", () => {
    const embedding = new Uint8Array(1536).fill(3);
    const file = encodeEnvelope(42n, entry(embedding, 100_000), 1_700_000_000n);
    const short = peekEntryPrefix(file.subarray(0, 100));
    expect(short).toEqual({ needBytes: expect.any(Number) });
    const need = (short as { needBytes: number }).needBytes;
    expect(need).toBeLessThan(2000);
    const peeked = peekEntryPrefix(file.subarray(0, need));
    expect(peeked).toMatchObject({
      tenantId: 0xffff_ffff_ffff_ffffn,
      entryId: 42n,
      expiresAt: 1_700_000_000n,
      fileBytes: file.byteLength,
      contextHash: 99n,
      timestamp: -5n,
    });
    expect([...(peeked as { embedding: Uint8Array }).embedding]).toEqual([...embedding]);
  });

  test("zero fields and an empty embedding (omitted by the encoder) read as zeros / undefined", () => {
    const file = encodeEnvelope(0n, {
      tenantId: 0n,
      contextHash: 0n,
      timestamp: 0n,
      embedding: new Uint8Array(0),
      payloadBlob: new Uint8Array(10),
    });
    expect(peekEntryPrefix(file)).toBeUndefined(); // the payload comes first: read the whole file
    const empty = encodeEnvelope(0n, {
      tenantId: 0n,
      contextHash: 0n,
      timestamp: 0n,
      embedding: new Uint8Array(0),
      payloadBlob: new Uint8Array(0),
    });
    expect(peekEntryPrefix(empty)).toBeUndefined();
  });

  test("junk, a bad magic or a short header is undefined", () => {
    expect(peekEntryPrefix(new Uint8Array(10))).toBeUndefined();
    const file = encodeEnvelope(1n, entry(new Uint8Array(4), 10));
    const bad = file.slice();
    bad[0] = 0;
    expect(peekEntryPrefix(bad)).toBeUndefined();
  });
});
