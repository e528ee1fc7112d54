import { describe, expect, test } from "bun:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { entryArbitrary, plain, SeededRandom, sampleSeeded } from "@reflex/testkit";
import { codecErrorCode, extremeEntries, ZERO_ENTRY } from "../test/helpers.ts";
import type { EntryFields } from "./entry.ts";
import { assertEntryFields, decodeEntryBody, encodeEntryBody, entryBodySize, writeEntryBody } from "./entry-wire.ts";
import { CacheEntrySchema } from "./gen/reflex/v1/cache_entry_pb.ts";
import { I64_MAX, I64_MIN, U64_MAX } from "./u64.ts";

/** The reference encoding: what protobuf-es writes for the entry. */
function referenceBytes(entry: EntryFields): Uint8Array {
  return toBinary(CacheEntrySchema, create(CacheEntrySchema, entry));
}

/** The reference decoding: what protobuf-es reads from the bytes. */
function referenceDecode(bytes: Uint8Array): EntryFields {
  return fromBinary(CacheEntrySchema, bytes);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function bytesOf(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

/** protobuf-es's own wire writer, to build messages by hand (any field order, repeats, unknown fields). */
function writer(): BinaryWriter {
  return new BinaryWriter();
}

describe("encodeEntryBody", () => {
  test("writes a pinned byte layout for a small entry", () => {
    const bytes = encodeEntryBody({
      tenantId: 1n,
      contextHash: 2n,
      timestamp: 3n,
      embedding: bytesOf(0xaa),
      payloadBlob: bytesOf(0xbb, 0xcc),
    });
    expect(hex(bytes)).toBe(
      "09" + "0100000000000000" + "11" + "0200000000000000" + "18" + "03" + "22" + "01" + "aa" + "2a" + "02" + "bbcc",
    );
  });

  test("omits zero fields (proto3 implicit presence): the zero entry is empty", () => {
    expect(encodeEntryBody(ZERO_ENTRY).byteLength).toBe(0);
  });

  test("writes a negative timestamp as a 10-byte two's complement varint", () => {
    const bytes = encodeEntryBody({ ...ZERO_ENTRY, timestamp: -1n });
    expect(hex(bytes)).toBe("18ffffffffffffffffff01");
    const min = encodeEntryBody({ ...ZERO_ENTRY, timestamp: I64_MIN });
    expect(hex(min)).toBe("1880808080808080808001");
  });

  test("writes fixed64 ids little-endian, 2^64-1 included", () => {
    const bytes = encodeEntryBody({ ...ZERO_ENTRY, tenantId: U64_MAX, contextHash: 0x0102030405060708n });
    expect(hex(bytes)).toBe("09ffffffffffffffff" + "110807060504030201");
  });

  test("equals protobuf-es toBinary byte for byte at the extremes", () => {
    const entries = extremeEntries();
    expect(entries.length).toBeGreaterThan(20);
    for (const entry of entries) {
      expect(hex(encodeEntryBody(entry))).toBe(hex(referenceBytes(entry)));
    }
  });

  test("equals protobuf-es toBinary across length-varint sizes", () => {
    for (const length of [0, 1, 127, 128, 16383, 16384, 70000]) {
      const entry = { ...ZERO_ENTRY, embedding: new Uint8Array(length).fill(7), payloadBlob: new Uint8Array(length) };
      expect(hex(encodeEntryBody(entry))).toBe(hex(referenceBytes(entry)));
    }
  });

  test("entryBodySize is the encoded length", () => {
    for (const entry of extremeEntries()) {
      expect(entryBodySize(entry)).toBe(encodeEntryBody(entry).byteLength);
    }
  });

  test("writeEntryBody writes at an offset, returns the end and touches nothing else", () => {
    const entry = extremeEntries()[7] as EntryFields;
    const size = entryBodySize(entry);
    const target = new Uint8Array(size + 10).fill(0xee);
    const end = writeEntryBody(entry, target, 3);
    expect(end).toBe(3 + size);
    expect(hex(target.subarray(3, end))).toBe(hex(referenceBytes(entry)));
    expect(Array.from(target.subarray(0, 3))).toEqual([0xee, 0xee, 0xee]);
    expect(Array.from(target.subarray(end))).toEqual(new Array(7).fill(0xee));
  });

  test("writeEntryBody works in a view with a byteOffset into a larger buffer", () => {
    const entry = { ...ZERO_ENTRY, tenantId: 0x1122334455667788n, contextHash: 5n };
    const backing = new Uint8Array(64);
    const target = backing.subarray(5, 5 + entryBodySize(entry));
    writeEntryBody(entry, target, 0);
    expect(hex(target)).toBe(hex(referenceBytes(entry)));
    expect(backing[4]).toBe(0);
  });

  test.each([
    ["tenant_id -1n", { tenantId: -1n }],
    ["tenant_id 2^64", { tenantId: 2n ** 64n }],
    ["tenant_id as a number", { tenantId: 1 }],
    ["context_hash 2^64", { contextHash: 2n ** 64n }],
    ["context_hash as a string", { contextHash: "1" }],
    ["timestamp i64 max + 1", { timestamp: I64_MAX + 1n }],
    ["timestamp i64 min - 1", { timestamp: I64_MIN - 1n }],
    ["timestamp as a number", { timestamp: 1700000000 }],
    ["embedding as an array", { embedding: [1, 2, 3] }],
    ["embedding as a string", { embedding: "AAA=" }],
    ["payload_blob as an ArrayBuffer", { payloadBlob: new ArrayBuffer(4) }],
    ["payload_blob null", { payloadBlob: null }],
  ])("rejects %s with invalid_value", (_label, patch) => {
    const entry = { ...ZERO_ENTRY, ...patch } as unknown as EntryFields;
    expect(codecErrorCode(() => encodeEntryBody(entry))).toBe("invalid_value");
    expect(codecErrorCode(() => assertEntryFields(entry))).toBe("invalid_value");
  });

  test("accepts a Buffer (a Uint8Array subclass) for the bytes fields", () => {
    const entry = { ...ZERO_ENTRY, payloadBlob: Buffer.from("hi") };
    expect(hex(encodeEntryBody(entry))).toBe("2a026869");
  });
});

describe("decodeEntryBody", () => {
  test("reads what protobuf-es writes, at the extremes", () => {
    for (const entry of extremeEntries()) {
      expect(plain(decodeEntryBody(referenceBytes(entry)))).toEqual(plain(entry));
    }
  });

  test("protobuf-es reads what encodeEntryBody writes", () => {
    for (const entry of extremeEntries()) {
      expect(plain(referenceDecode(encodeEntryBody(entry)))).toEqual(plain(entry));
    }
  });

  test("decodes empty bytes as the zero entry", () => {
    expect(plain(decodeEntryBody(new Uint8Array(0)))).toEqual(plain(ZERO_ENTRY));
  });

  test("property: 2000 seeded random entries encode like protobuf-es and round trip", () => {
    for (const [i, entry] of sampleSeeded(entryArbitrary, 0x5eed_0001, 2000).entries()) {
      const ours = encodeEntryBody(entry);
      const reference = referenceBytes(entry);
      if (hex(ours) !== hex(reference)) {
        throw new Error(`case ${i}: encoding differs from protobuf-es for ${JSON.stringify(plain(entry), bigints)}`);
      }
      expect(entryBodySize(entry)).toBe(ours.byteLength);
      expect(plain(decodeEntryBody(reference))).toEqual(plain(entry));
    }
  });

  test("accepts fields in any order", () => {
    const bytes = writer()
      .tag(5, WireType.LengthDelimited)
      .bytes(bytesOf(9, 8))
      .tag(4, WireType.LengthDelimited)
      .bytes(bytesOf(7))
      .tag(3, WireType.Varint)
      .int64(-5n)
      .tag(2, WireType.Bit64)
      .fixed64(U64_MAX)
      .tag(1, WireType.Bit64)
      .fixed64(11n)
      .finish();
    const expected = { tenantId: 11n, contextHash: U64_MAX, timestamp: -5n, embedding: [7], payloadBlob: [9, 8] };
    expect(plain(decodeEntryBody(bytes))).toEqual(expected);
    expect(plain(referenceDecode(bytes))).toEqual(expected);
  });

  test("a repeated field: the last one wins", () => {
    const bytes = writer()
      .tag(1, WireType.Bit64)
      .fixed64(1n)
      .tag(5, WireType.LengthDelimited)
      .bytes(bytesOf(1, 1, 1))
      .tag(3, WireType.Varint)
      .int64(100n)
      .tag(1, WireType.Bit64)
      .fixed64(2n)
      .tag(5, WireType.LengthDelimited)
      .bytes(bytesOf(2))
      .tag(3, WireType.Varint)
      .int64(0n) // an explicit zero still overrides
      .finish();
    const decoded = decodeEntryBody(bytes);
    expect(plain(decoded)).toEqual({ tenantId: 2n, contextHash: 0n, timestamp: 0n, embedding: [], payloadBlob: [2] });
    expect(plain(referenceDecode(bytes))).toEqual(plain(decoded));
  });

  test("skips unknown fields of every wire type (varint, fixed64, length-delimited, fixed32)", () => {
    const bytes = writer()
      .tag(6, WireType.Varint)
      .uint64(U64_MAX) // 10-byte varint
      .tag(1, WireType.Bit64)
      .fixed64(42n)
      .tag(7, WireType.Bit64)
      .fixed64(0x0a0a0a0a0a0a0a0an) // bytes that look like tags
      .tag(8, WireType.LengthDelimited)
      .bytes(new Uint8Array(200).fill(0x09))
      .tag(9, WireType.Bit32)
      .fixed32(0xffffffff)
      .tag(5, WireType.LengthDelimited)
      .bytes(bytesOf(0x68, 0x69))
      .tag(536870911, WireType.Varint) // largest field number, a 5-byte tag
      .int64(-1n)
      .tag(1000, WireType.LengthDelimited)
      .bytes(new Uint8Array(0))
      .finish();
    const expected = { tenantId: 42n, contextHash: 0n, timestamp: 0n, embedding: [], payloadBlob: [0x68, 0x69] };
    expect(plain(decodeEntryBody(bytes))).toEqual(expected);
    expect(plain(referenceDecode(bytes))).toEqual(expected);
  });

  test("accepts non-minimal varints, as a conforming decoder must", () => {
    // tag 0x18 (timestamp) and the value 1 each padded with continuation bytes
    const bytes = bytesOf(0x98, 0x00, 0x81, 0x80, 0x80, 0x00, 0xaa, 0x80, 0x00, 0x01, 0x33);
    // 0xaa 0x80 0x00 = tag (field 5, wire type 2) in 3 bytes; length 1; payload 0x33
    const decoded = decodeEntryBody(bytes);
    expect(plain(decoded)).toEqual({
      tenantId: 0n,
      contextHash: 0n,
      timestamp: 1n,
      embedding: [],
      payloadBlob: [0x33],
    });
    expect(plain(referenceDecode(bytes))).toEqual(plain(decoded));
  });

  test("decodes every timestamp varint length (1 to 10 bytes) like protobuf-es", () => {
    for (let bits = 0n; bits < 64n; bits++) {
      for (const timestamp of [1n << bits, (1n << bits) - 1n, -(1n << bits)]) {
        const value = BigInt.asIntN(64, timestamp);
        const bytes = referenceBytes({ ...ZERO_ENTRY, timestamp: value });
        expect(decodeEntryBody(bytes).timestamp).toBe(value);
        expect(hex(encodeEntryBody({ ...ZERO_ENTRY, timestamp: value }))).toBe(hex(bytes));
      }
    }
  });

  describe("rejects malformed input with malformed_body", () => {
    const cases: [string, Uint8Array][] = [
      ["a truncated tag varint", bytesOf(0x80)],
      ["a tag varint of 6 bytes", bytesOf(0x88, 0x80, 0x80, 0x80, 0x80, 0x00)],
      ["a tag larger than 32 bits", bytesOf(0x88, 0x80, 0x80, 0x80, 0x7f, 0x00)],
      ["a truncated timestamp varint", bytesOf(0x18)],
      ["a timestamp varint cut mid-way", bytesOf(0x18, 0xff, 0xff)],
      ["a timestamp varint cut after 9 bytes", bytesOf(0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)],
      ["a timestamp varint of 11 bytes", bytesOf(0x18, ...new Array(10).fill(0xff), 0x01)],
      ["a truncated fixed64 tenant_id", bytesOf(0x09, 1, 2, 3, 4, 5, 6, 7)],
      ["a fixed64 context_hash with no bytes", bytesOf(0x11)],
      ["a length past the end", bytesOf(0x2a, 0x03, 0x61, 0x62)],
      ["a length of 2^32-1 past the end", bytesOf(0x22, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00)],
      ["a length varint larger than 32 bits", bytesOf(0x22, 0xff, 0xff, 0xff, 0xff, 0x7f)],
      ["a missing length", bytesOf(0x22)],
      ["a truncated length varint", bytesOf(0x22, 0x80)],
      ["an unknown fixed64 field cut short", bytesOf((7 << 3) | 1, 1, 2, 3, 4, 5, 6, 7)],
      ["an unknown fixed32 field cut short", bytesOf((7 << 3) | 5, 1, 2, 3)],
      ["an unknown varint field cut short", bytesOf(7 << 3, 0x80)],
      ["an unknown varint field of 11 bytes", bytesOf(7 << 3, ...new Array(10).fill(0x80), 0x00)],
      ["an unknown length-delimited field past the end", bytesOf((7 << 3) | 2, 0x05, 0x00)],
      ["a start-group (wire type 3), unknown field", bytesOf((6 << 3) | 3, (6 << 3) | 4)],
      ["an end-group (wire type 4), unknown field", bytesOf((6 << 3) | 4)],
      ["a start-group on a known field", bytesOf((1 << 3) | 3, (1 << 3) | 4)],
      ["wire type 6", bytesOf((6 << 3) | 6)],
      ["wire type 7", bytesOf((6 << 3) | 7)],
      ["field number 0, varint", bytesOf(0x00, 0x01)],
      ["field number 0, length-delimited", bytesOf(0x02, 0x00)],
      ["tenant_id (fixed64) sent as a varint", bytesOf((1 << 3) | 0, 0x01)],
      ["context_hash (fixed64) sent as fixed32", bytesOf((2 << 3) | 5, 1, 2, 3, 4)],
      ["timestamp (varint) sent as fixed64", bytesOf((3 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8)],
      ["embedding (bytes) sent as a varint", bytesOf((4 << 3) | 0, 0x01)],
      ["payload_blob (bytes) sent as fixed32", bytesOf((5 << 3) | 5, 1, 2, 3, 4)],
      ["a valid field followed by garbage", bytesOf(0x18, 0x01, 0xff)],
    ];
    test.each(cases)("%s", (_label, bytes) => {
      expect(codecErrorCode(() => decodeEntryBody(bytes))).toBe("malformed_body");
    });
  });

  test("every proper prefix of an encoding either decodes (at a field boundary) or is malformed_body", () => {
    const entry: EntryFields = {
      tenantId: 3n,
      contextHash: U64_MAX,
      timestamp: -2n,
      embedding: new Uint8Array(200).fill(1),
      payloadBlob: bytesOf(1, 2, 3),
    };
    const bytes = encodeEntryBody(entry);
    // the offsets where one field ends and the next begins
    const boundaries = new Set([0, 9, 18, 29, 29 + 3 + 200, bytes.byteLength]);
    for (let length = 0; length < bytes.byteLength; length++) {
      const outcome = codecErrorCode(() => decodeEntryBody(bytes.subarray(0, length)));
      expect(`${length}: ${outcome}`).toBe(`${length}: ${boundaries.has(length) ? "no error" : "malformed_body"}`);
    }
  });

  test("fuzz: mutated encodings decode or fail with malformed_body, never another error", () => {
    const prng = new SeededRandom(0xf022);
    let decoded = 0;
    let rejected = 0;
    for (const entry of sampleSeeded(entryArbitrary, 0xf022, 3000)) {
      const valid = encodeEntryBody({ ...entry, embedding: prng.bytes(prng.below(40)) });
      const mutated = Uint8Array.from(valid);
      const kind = prng.below(3);
      let input: Uint8Array = mutated;
      if (kind === 0 && mutated.byteLength > 0) {
        const at = prng.below(mutated.byteLength);
        mutated[at] = (mutated[at] as number) ^ (1 << prng.below(8));
      } else if (kind === 1 && mutated.byteLength > 0) {
        mutated[prng.below(mutated.byteLength)] = prng.u32() & 0xff;
      } else {
        input = prng.bytes(prng.below(24));
      }
      let ours: EntryFields | undefined;
      try {
        ours = decodeEntryBody(input);
      } catch (error) {
        const outcome = codecErrorCode(() => {
          throw error;
        });
        expect(outcome).toBe("malformed_body");
        rejected++;
        continue;
      }
      decoded++;
      // whatever we accept, protobuf-es reads the same way
      expect(plain(ours)).toEqual(plain(referenceDecode(input)));
    }
    expect(decoded).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  });

  test("is zero-copy: the bytes fields are views of the input", () => {
    const entry: EntryFields = {
      tenantId: 1n,
      contextHash: 2n,
      timestamp: 3n,
      embedding: new Uint8Array(1536).fill(0x3c),
      payloadBlob: new TextEncoder().encode("payload"),
    };
    const body = encodeEntryBody(entry);
    const backing = new Uint8Array(body.byteLength + 100);
    backing.set(body, 50);
    const input = backing.subarray(50, 50 + body.byteLength);
    const decoded = decodeEntryBody(input);
    for (const field of [decoded.embedding, decoded.payloadBlob]) {
      expect(field.buffer).toBe(input.buffer);
      expect(field.byteOffset).toBeGreaterThanOrEqual(input.byteOffset);
      expect(field.byteOffset + field.byteLength).toBeLessThanOrEqual(input.byteOffset + input.byteLength);
    }
    // the payload is the last field: it ends where the input ends
    expect(decoded.payloadBlob.byteOffset + decoded.payloadBlob.byteLength).toBe(50 + body.byteLength);
    expect(new TextDecoder().decode(decoded.payloadBlob)).toBe("payload");
    // a write into the input shows through the view: it is the same memory
    input[input.byteLength - 1] = 0x21;
    expect(new TextDecoder().decode(decoded.payloadBlob)).toBe("payloa!");
  });
});

function bigints(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}
