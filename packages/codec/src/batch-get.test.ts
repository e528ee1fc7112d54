import { describe, expect, test } from "bun:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { makeEntry } from "@reflex/testkit";
import {
  type BatchEntry,
  batchGetResponseToJson,
  decodeBatchGetResponse,
  encodeBatchGetResponse,
} from "./batch-get.ts";
import { BatchGetResponseSchema, DamagedEntrySchema } from "./gen/reflex/v1/batch_get_pb.ts";
import { CacheEntrySchema } from "./gen/reflex/v1/cache_entry_pb.ts";
import { DumpRecordSchema } from "./gen/reflex/v1/dump_record_pb.ts";
import { U64_MAX } from "./u64.ts";

function viaProtobufEs(entries: readonly BatchEntry[], missing: readonly bigint[]): Uint8Array {
  const message = create(BatchGetResponseSchema, {
    entries: entries.map(({ entryId, entry, expiresAt = 0n }) =>
      create(DumpRecordSchema, { entryId, entry: create(CacheEntrySchema, { ...entry, expiresAt }) }),
    ),
    missing: [...missing],
  });
  return toBinary(BatchGetResponseSchema, message);
}

const big = makeEntry({ payload: new Uint8Array(300).fill(9), embedding: new Uint8Array(200) });
const CASES: [string, BatchEntry[], bigint[]][] = [
  ["nothing", [], []],
  ["only missing", [], [0n, 5n, U64_MAX]],
  [
    "entries and missing, ids 0 and 2^64-1, zero-valued fields",
    [
      { entryId: 0n, entry: makeEntry({ tenantId: 0n, contextHash: 0n, timestamp: 0n, payload: "" }) },
      { entryId: U64_MAX, entry: makeEntry({ timestamp: -5n }) },
      { entryId: 300n, entry: big },
    ],
    [7n],
  ],
  [
    "entries with an expiry (field 6, as GET entry answers) and one without",
    [
      { entryId: 5n, entry: big, expiresAt: 1_900_000_000n },
      { entryId: 6n, entry: makeEntry({ timestamp: 3n }), expiresAt: 0n },
    ],
    [],
  ],
];

describe("encodeBatchGetResponse", () => {
  test.each(CASES)("writes the bytes protobuf-es writes: %s", (_name, entries, missing) => {
    const bytes = encodeBatchGetResponse(entries, missing);
    expect([...bytes]).toEqual([...viaProtobufEs(entries, missing)]);
    const decoded = fromBinary(BatchGetResponseSchema, bytes);
    expect(decoded.entries.map((record) => record.entryId)).toEqual(entries.map((e) => e.entryId));
    expect(decoded.missing).toEqual(missing);
  });

  test.each(CASES)("writes the same bytes from each entry's encoding: %s", (_name, entries, missing) => {
    const withEncoded = entries.map((e) => ({
      ...e,
      encoded: toBinary(CacheEntrySchema, create(CacheEntrySchema, e.entry)),
    }));
    expect([...encodeBatchGetResponse(withEncoded, missing)]).toEqual([...viaProtobufEs(entries, missing)]);
  });

  test("refuses an out-of-range id or field", () => {
    expect(() => encodeBatchGetResponse([{ entryId: -1n, entry: makeEntry() }], [])).toThrow();
    expect(() => encodeBatchGetResponse([], [U64_MAX + 1n])).toThrow();
    expect(() => encodeBatchGetResponse([{ entryId: 1n, entry: makeEntry({ tenantId: -2n }) }], [])).toThrow();
  });
});

describe("batchGetResponseToJson", () => {
  test("is the protobuf JSON mapping: decimal ids, base64 bytes, every entry field present", () => {
    const json = batchGetResponseToJson([{ entryId: 42n, entry: makeEntry({ payload: "hi", contextHash: 0n }) }], [9n]);
    expect(json).toEqual({
      entries: [
        {
          entryId: "42",
          entry: {
            tenantId: "1",
            contextHash: "0",
            timestamp: "1700000000",
            embedding: "AQIDBAUGBwg=",
            payloadBlob: "aGk=",
          },
        },
      ],
      missing: ["9"],
      damaged: [],
    });
    expect(batchGetResponseToJson([], [])).toEqual({ entries: [], missing: [], damaged: [] });
  });

  test('carries expiresAt where the caller knows it ("0": never), as GET entry\'s JSON does', () => {
    const json = batchGetResponseToJson(
      [
        { entryId: 1n, entry: makeEntry(), expiresAt: 1_900_000_000n },
        { entryId: 2n, entry: makeEntry(), expiresAt: 0n },
        { entryId: 3n, entry: makeEntry() },
      ],
      [],
    );
    expect(json.entries?.map((record) => (record.entry as { expiresAt?: string }).expiresAt)).toEqual([
      "1900000000",
      "0",
      undefined,
    ]);
  });
});

describe("decodeBatchGetResponse", () => {
  test("reads back what encodeBatchGetResponse wrote; refuses bytes that are not one", () => {
    const entries: BatchEntry[] = [{ entryId: 3n, entry: makeEntry({ payload: "x" }) }];
    const decoded = decodeBatchGetResponse(encodeBatchGetResponse(entries, [4n]));
    expect(decoded.missing).toEqual([4n]);
    expect(decoded.entries.map((e) => [e.entryId, new TextDecoder().decode(e.entry.payloadBlob)])).toEqual([[3n, "x"]]);
    const expiring = encodeBatchGetResponse([{ entryId: 3n, entry: makeEntry(), expiresAt: 1_900_000_000n }], []);
    expect(decodeBatchGetResponse(expiring).entries.map((e) => e.expiresAt)).toEqual([1_900_000_000n]);
    expect(() => decodeBatchGetResponse(new Uint8Array([0x0a, 0x05, 0x01]))).toThrow();
    expect(() => decodeBatchGetResponse(new Uint8Array([0x0a, 0x00]))).toThrow("has no entry");
  });
});

describe("damaged ids (field 3)", () => {
  const damaged = [
    { entryId: 0n, reason: "checksum_mismatch" },
    { entryId: U64_MAX, reason: "" },
    { entryId: 9n, reason: "truncated" },
  ];

  test("encodeBatchGetResponse writes them as protobuf-es does, and decode reads them back", () => {
    const entries = [{ entryId: 1n, entry: makeEntry({ timestamp: 3n }) }];
    const bytes = encodeBatchGetResponse(entries, [7n], damaged);
    const viaEs = toBinary(
      BatchGetResponseSchema,
      create(BatchGetResponseSchema, {
        ...fromBinary(BatchGetResponseSchema, viaProtobufEs(entries, [7n])),
        damaged: damaged.map((d) => create(DamagedEntrySchema, d)),
      }),
    );
    expect([...bytes]).toEqual([...viaEs]);
    const decoded = decodeBatchGetResponse(bytes);
    expect(decoded.damaged).toEqual(damaged);
    expect(decoded.missing).toEqual([7n]);
    expect(decodeBatchGetResponse(encodeBatchGetResponse(entries, [])).damaged).toEqual([]);
  });

  test("the JSON mapping lists them as {entryId, reason}; an answer without any has damaged: []", () => {
    const json = batchGetResponseToJson([], [], [{ entryId: 9n, reason: "truncated" }]);
    expect(json.damaged).toEqual([{ entryId: "9", reason: "truncated" }]);
    expect(batchGetResponseToJson([], []).damaged).toEqual([]);
  });
});
