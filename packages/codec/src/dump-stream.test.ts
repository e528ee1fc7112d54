import { describe, expect, test } from "bun:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryReader, sizeDelimitedEncode } from "@bufbuild/protobuf/wire";
import { concat, entryArbitrary, plain, SeededRandom, sampleSeeded, u64Arbitrary } from "@reflex/testkit";
import fc from "fast-check";
import { asyncCodecErrorCode, codecErrorCode, extremeEntries, ZERO_ENTRY } from "../test/helpers.ts";
import {
  DEFAULT_MAX_RECORD_BYTES,
  type DecodeDumpOptions,
  type DumpEntry,
  decodeDumpStream,
  encodeDumpRecord,
} from "./dump-stream.ts";
import type { EntryFields } from "./entry.ts";
import { DumpRecordSchema } from "./gen/reflex/v1/dump_record_pb.ts";
import { U64_MAX } from "./u64.ts";

/** Yields `bytes` in chunks of the given sizes (the last chunk takes the rest). */
async function* chunked(bytes: Uint8Array, sizes: Iterable<number>): AsyncGenerator<Uint8Array> {
  let offset = 0;
  for (const size of sizes) {
    if (offset >= bytes.byteLength) break;
    yield bytes.slice(offset, offset + size);
    offset += size;
    await Promise.resolve();
  }
  if (offset < bytes.byteLength) yield bytes.slice(offset);
}

function* repeat(size: number): Generator<number> {
  for (;;) yield size;
}

function* randomSizes(prng: SeededRandom, max: number): Generator<number> {
  for (;;) yield prng.pick([0, 1, 2, 3, prng.between(1, max), prng.between(1, 16)]);
}

async function collect(chunks: AsyncIterable<Uint8Array>, options?: DecodeDumpOptions): Promise<DumpEntry[]> {
  const out: DumpEntry[] = [];
  for await (const record of decodeDumpStream(chunks, options)) out.push(record);
  return out;
}

/** Reads the stream until it fails; says how many records came before the failure and its code. */
async function collectUntilError(
  chunks: AsyncIterable<Uint8Array>,
  options?: DecodeDumpOptions,
): Promise<{ records: DumpEntry[]; outcome: string }> {
  const records: DumpEntry[] = [];
  const outcome = await asyncCodecErrorCode(async () => {
    for await (const record of decodeDumpStream(chunks, options)) records.push(record);
  });
  return { records, outcome };
}

function plainRecords(records: readonly DumpEntry[]): unknown[] {
  return records.map((record) => ({
    entryId: record.entryId,
    entry: plain(record.entry),
    expiresAt: record.expiresAt,
  }));
}

function smallDump(): { records: DumpEntry[]; bytes: Uint8Array; ends: number[] } {
  const records: DumpEntry[] = [
    { entryId: 0n, entry: ZERO_ENTRY, expiresAt: 0n },
    {
      entryId: U64_MAX,
      entry: { ...ZERO_ENTRY, tenantId: U64_MAX, payloadBlob: new TextEncoder().encode("hi") },
      expiresAt: 1_800_000_000n,
    },
    {
      entryId: 42n,
      expiresAt: 0n,
      entry: {
        tenantId: 7n,
        contextHash: 1n,
        timestamp: -1n,
        embedding: new Uint8Array(200).fill(3),
        payloadBlob: new Uint8Array([1, 2]),
      },
    },
  ];
  const parts = records.map((record) =>
    encodeDumpRecord(record.entryId, { ...record.entry, expiresAt: record.expiresAt }),
  );
  const ends: number[] = [];
  let end = 0;
  for (const part of parts) {
    end += part.byteLength;
    ends.push(end);
  }
  return { records, bytes: concat(parts), ends };
}

describe("encodeDumpRecord", () => {
  test("writes a varint length, then a protobuf reflex.v1.DumpRecord", () => {
    const entry: EntryFields = { ...ZERO_ENTRY, tenantId: 3n, payloadBlob: new Uint8Array(200).fill(9) };
    const bytes = encodeDumpRecord(U64_MAX, entry);
    const reader = new BinaryReader(bytes);
    const message = reader.bytes();
    expect(reader.pos).toBe(bytes.byteLength);
    expect(message.byteLength).toBeGreaterThan(127); // a two-byte length prefix
    const record = fromBinary(DumpRecordSchema, message);
    expect(record.entryId).toBe(U64_MAX);
    expect(record.entry).toBeDefined();
    expect(plain(record.entry as EntryFields)).toEqual(plain(entry));
  });

  test("the entry's expiresAt (a loaded handle's) goes in the record's expires_at; absent: 0", () => {
    const kept = fromBinary(
      DumpRecordSchema,
      new BinaryReader(encodeDumpRecord(1n, { ...ZERO_ENTRY, expiresAt: 99n })).bytes(),
    );
    expect(kept.entry?.expiresAt).toBe(99n);
    const none = fromBinary(DumpRecordSchema, new BinaryReader(encodeDumpRecord(1n, ZERO_ENTRY)).bytes());
    expect(none.entry?.expiresAt).toBe(0n);
  });

  test("a record of the zero entry still carries its (empty) entry field", () => {
    const bytes = encodeDumpRecord(0n, ZERO_ENTRY);
    const record = fromBinary(DumpRecordSchema, new BinaryReader(bytes).bytes());
    expect(record.entry).toBeDefined();
  });

  test.each([
    ["entry id -1n", -1n, ZERO_ENTRY],
    ["entry id 2^64", 2n ** 64n, ZERO_ENTRY],
    ["entry id as a number", 1, ZERO_ENTRY],
    ["tenant 2^64", 1n, { ...ZERO_ENTRY, tenantId: 2n ** 64n }],
    ["timestamp as a number", 1n, { ...ZERO_ENTRY, timestamp: 5 }],
  ])("rejects %s with invalid_value", (_label, entryId, entry) => {
    expect(codecErrorCode(() => encodeDumpRecord(entryId as bigint, entry as EntryFields))).toBe("invalid_value");
  });
});

describe("decodeDumpStream", () => {
  test("reads a small dump fed one byte at a time", async () => {
    const { records, bytes } = smallDump();
    const decoded = await collect(chunked(bytes, repeat(1)));
    expect(plainRecords(decoded)).toEqual(plainRecords(records));
  });

  test("reads a dump given as one chunk", async () => {
    const { records, bytes } = smallDump();
    const decoded = await collect(chunked(bytes, []));
    expect(plainRecords(decoded)).toEqual(plainRecords(records));
  });

  test("reads a dump split at every possible point into two chunks", async () => {
    const { records, bytes } = smallDump();
    for (let cut = 0; cut <= bytes.byteLength; cut++) {
      const decoded = await collect(chunked(bytes, [cut]));
      expect(plainRecords(decoded)).toEqual(plainRecords(records));
    }
  });

  test("reads a larger dump fed in random chunk sizes, records intact after the whole stream", async () => {
    const prng = new SeededRandom(0xd0d0);
    const records: DumpEntry[] = [
      ...extremeEntries().map((entry, i) => ({ entryId: BigInt(i), entry, expiresAt: 0n })),
    ];
    for (const [entryId, entry] of sampleSeeded(fc.tuple(u64Arbitrary, entryArbitrary), 0xd0d0, 150)) {
      records.push({ entryId, entry, expiresAt: 0n });
    }
    records.push({ entryId: 1n, entry: { ...ZERO_ENTRY, payloadBlob: prng.bytes(300_000) }, expiresAt: 0n });
    const bytes = concat(records.map((record) => encodeDumpRecord(record.entryId, record.entry)));
    expect(bytes.byteLength).toBeGreaterThan(500_000);
    // compared only after the stream ends: no record may alias a buffer the decoder reuses
    const decoded = await collect(chunked(bytes, randomSizes(prng, 5000)));
    expect(decoded.length).toBe(records.length);
    expect(plainRecords(decoded)).toEqual(plainRecords(records));
  });

  test("an empty stream yields nothing", async () => {
    expect(await collect(chunked(new Uint8Array(0), []))).toEqual([]);
    expect(await collect((async function* () {})())).toEqual([]);
    expect(await collect(chunked(new Uint8Array(0), [0, 0, 0]))).toEqual([]);
  });

  test("a stream cut anywhere inside a record fails with malformed_stream after the complete records", async () => {
    const { records, bytes, ends } = smallDump();
    for (let length = 1; length < bytes.byteLength; length++) {
      const prefix = bytes.slice(0, length);
      const complete = ends.filter((end) => end <= length).length;
      const { records: got, outcome } = await collectUntilError(chunked(prefix, repeat(7)));
      if (ends.includes(length)) {
        expect(`${length}: ${outcome}`).toBe(`${length}: no error`);
      } else {
        expect(`${length}: ${outcome}`).toBe(`${length}: malformed_stream`);
      }
      expect(plainRecords(got)).toEqual(plainRecords(records.slice(0, complete)));
    }
  });

  test("a record larger than maxRecordBytes fails with too_large; one of exactly maxRecordBytes passes", async () => {
    const entry: EntryFields = { ...ZERO_ENTRY, tenantId: 1n, payloadBlob: new Uint8Array(1000).fill(1) };
    const record = encodeDumpRecord(5n, entry);
    const reader = new BinaryReader(record);
    const messageBytes = reader.bytes().byteLength;
    const exact = await collect(chunked(record, repeat(64)), { maxRecordBytes: messageBytes });
    expect(exact.length).toBe(1);
    const over = await collectUntilError(chunked(record, repeat(64)), { maxRecordBytes: messageBytes - 1 });
    expect(over.outcome).toBe("too_large");
    expect(over.records).toEqual([]);
  });

  test("too_large comes after the records that fit", async () => {
    const small = encodeDumpRecord(1n, ZERO_ENTRY);
    const large = encodeDumpRecord(2n, { ...ZERO_ENTRY, payloadBlob: new Uint8Array(5000) });
    const { records, outcome } = await collectUntilError(chunked(concat([small, small, large, small]), repeat(100)), {
      maxRecordBytes: 1000,
    });
    expect(outcome).toBe("too_large");
    expect(records.map((record) => record.entryId)).toEqual([1n, 1n]);
  });

  test("the default limit is 1 GiB", () => {
    expect(DEFAULT_MAX_RECORD_BYTES).toBe(1024 * 1024 * 1024);
  });

  test("a record without an entry fails with malformed_stream", async () => {
    const noEntry = sizeDelimitedEncode(DumpRecordSchema, create(DumpRecordSchema, { entryId: 5n }));
    const { records, outcome } = await collectUntilError(
      chunked(concat([encodeDumpRecord(1n, ZERO_ENTRY), noEntry]), []),
    );
    expect(outcome).toBe("malformed_stream");
    expect(records.length).toBe(1);
    // the message says which record and why, rather than leaking a TypeError
    await expect(collect(chunked(noEntry, []))).rejects.toThrow("dump record 0 has no entry");
  });

  test("a record whose message does not decode fails with malformed_stream", async () => {
    for (const garbage of [
      new Uint8Array([3, 0xff, 0xff, 0xff]), // an unterminated varint inside the message
      new Uint8Array([2, 0x0a, 0x05]), // the entry field claims 5 bytes it does not have
      new Uint8Array([1, 0x00]), // field number 0
    ]) {
      expect((await collectUntilError(chunked(garbage, []))).outcome).toBe("malformed_stream");
    }
  });

  test("a record with a negative expires_at fails with malformed_stream", async () => {
    const bytes = encodeDumpRecord(1n, { ...ZERO_ENTRY, expiresAt: -5n });
    expect((await collectUntilError(chunked(bytes, []))).outcome).toBe("malformed_stream");
  });

  test("a length prefix that is not a valid varint fails with malformed_stream", async () => {
    const bad = new Uint8Array(11).fill(0xff);
    expect((await collectUntilError(chunked(bad, []))).outcome).toBe("malformed_stream");
  });

  test("the decoded records are what protobuf-es wrote (interoperability)", async () => {
    const entry: EntryFields = {
      tenantId: 9n,
      contextHash: U64_MAX,
      timestamp: 1700000000n,
      embedding: new Uint8Array([1]),
      payloadBlob: new Uint8Array([2]),
    };
    const message = toBinary(DumpRecordSchema, create(DumpRecordSchema, { entryId: 77n, entry }));
    const framed = concat([new Uint8Array([message.byteLength]), message]);
    const decoded = await collect(chunked(framed, repeat(3)));
    expect(plainRecords(decoded)).toEqual([{ entryId: 77n, entry: plain(entry), expiresAt: 0n }]);
  });
});

describe("decodeDumpStream input errors", () => {
  test("an error of the input stream passes through unchanged, not as malformed_stream", async () => {
    const failure = Object.assign(new Error("EIO: read failed"), { code: "EIO" });
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield encodeDumpRecord(1n, {
        tenantId: 1n,
        contextHash: 0n,
        timestamp: 0n,
        embedding: new Uint8Array(0),
        payloadBlob: new Uint8Array([1]),
      });
      throw failure;
    }
    const seen: bigint[] = [];
    let caught: unknown;
    try {
      for await (const record of decodeDumpStream(failing())) seen.push(record.entryId);
    } catch (error) {
      caught = error;
    }
    expect(seen).toEqual([1n]);
    expect(caught).toBe(failure);
  });
});
