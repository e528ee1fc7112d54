import { expect, test } from "bun:test";
import { f16Bytes } from "@reflex/testkit";
import { unitQuery } from "./f16.ts";
import { LookupIndex } from "./lookup-index.ts";

const entry = (contextHash: bigint, values: number[]) => ({
  tenantId: 1n,
  contextHash,
  timestamp: 1n,
  embedding: f16Bytes(Float64Array.from(values)),
  payloadBlob: new Uint8Array(0),
});

test("an index with no root (another backend feeds it) is ready at once and holds what it is told", async () => {
  const index = new LookupIndex({ maxBytes: 1 << 20 });
  await index.ready;
  expect(index.stats()).toMatchObject({ ready: true, entries: 0 });
  const written = (entryId: bigint, contextHash: bigint, values: number[]) =>
    index.written({
      tenantId: 1n,
      entryId,
      entry: entry(contextHash, values),
      fileBytes: 1,
      replacedBytes: undefined,
      expiresAt: 0n,
    });
  written(1n, 7n, [1, 0]);
  written(2n, 7n, [0, 1]);
  const all = () => true;
  expect(
    index.search(1n, unitQuery(f16Bytes(Float64Array.from([1, 0]))), 1, 0.9, false, all).map((h) => h.entry.entryId),
  ).toEqual([1n]);
  expect(
    index
      .byContext(1n, 7n, all)
      .map((e) => e.entryId)
      .sort(),
  ).toEqual([1n, 2n]);
  index.vanished(1n, 1n);
  expect(index.byContext(1n, 7n, all).map((e) => e.entryId)).toEqual([2n]);
  index.tenantRemoved(1n);
  expect(index.stats().entries).toBe(0);
});
