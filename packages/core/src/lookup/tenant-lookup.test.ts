import { expect, test } from "bun:test";
import { f16Bytes, VectorSource } from "@reflex/testkit";
import { ENTRY_RECORD_BYTES, LookupIndex } from "./lookup-index.ts";
import { SET_BYTES } from "./tenant-lookup.ts";
import { VectorSet } from "./vector-set.ts";

const DIM = 16;

function writer(index: LookupIndex) {
  return (entryId: bigint, contextHash: bigint, embedding: Uint8Array, tenantId = 1n) =>
    index.written({
      tenantId,
      entryId,
      entry: { tenantId, contextHash, timestamp: 1n, embedding, payloadBlob: new Uint8Array(0) },
      fileBytes: 1,
      replacedBytes: undefined,
      expiresAt: 0n,
    });
}

test("bytes: a record and a row per entry, and a fixed part per (tenant, context hash, dimension) set; back to 0", () => {
  const index = new LookupIndex({ maxBytes: 1 << 30 });
  const write = writer(index);
  const source = new VectorSource(5);
  const vector = () => f16Bytes(source.direction(DIM));
  for (let id = 0n; id < 40n; id++) write(id, id % 7n, vector()); // 7 sets
  write(40n, 0n, f16Bytes(source.direction(8))); // an eighth set: context 0, dimension 8
  write(41n, 0n, new Uint8Array(0)); // not searchable: no row, no set
  write(42n, 3n, vector(), 2n); // a ninth set, in tenant 2
  const row = VectorSet.rowBytes(DIM);
  const expected = 43 * ENTRY_RECORD_BYTES + 41 * row + VectorSet.rowBytes(8) + 9 * SET_BYTES;
  expect(index.stats()).toMatchObject({ entries: 43, searchable: 42, bytes: expected });
  write(0n, 1n, vector()); // moves from context 0 to context 1: same sets
  expect(index.stats().bytes).toBe(expected);
  for (let id = 0n; id < 42n; id++) index.vanished(1n, id);
  index.tenantRemoved(2n);
  expect(index.stats()).toMatchObject({ entries: 0, searchable: 0, bytes: 0, dropped: 0 });
});

test("the bound counts the set a new context would make: an entry that fits only without it is left out", () => {
  const row = VectorSet.rowBytes(DIM);
  const index = new LookupIndex({ maxBytes: 2 * (ENTRY_RECORD_BYTES + row) + SET_BYTES + SET_BYTES - 1 });
  const write = writer(index);
  const source = new VectorSource(6);
  write(1n, 7n, f16Bytes(source.direction(DIM)));
  write(2n, 8n, f16Bytes(source.direction(DIM))); // a second set: over the bound by one byte
  expect(index.stats()).toMatchObject({ entries: 1, dropped: 1 });
  index.vanished(1n, 2n);
  write(3n, 7n, f16Bytes(source.direction(DIM))); // the same set: fits
  expect(index.stats()).toMatchObject({ entries: 2, dropped: 0, bytes: 2 * (ENTRY_RECORD_BYTES + row) + SET_BYTES });
});
