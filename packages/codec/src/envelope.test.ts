import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { concat, plain } from "@reflex/testkit";
import { GOLDEN_ENTRY_ID, GOLDEN_PATH, goldenEmbedding, goldenEntry } from "../test/golden-entry.ts";
import { codecErrorCode, ZERO_ENTRY } from "../test/helpers.ts";
import { isCorruptionCode } from "./codec-error.ts";
import type { EntryFields } from "./entry.ts";
import { decodeEntryBody, encodeEntryBody } from "./entry-wire.ts";
import {
  decodeEnvelope,
  ENVELOPE_HEADER_BYTES,
  ENVELOPE_MAGIC,
  encodeEnvelope,
  envelopeBody,
  FORMAT_VERSION,
  MAX_BODY_BYTES,
  readEnvelopeHeader,
} from "./envelope.ts";
import { I64_MAX, I64_MIN, U64_MAX } from "./u64.ts";

const utf8 = new TextEncoder();

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Sets the checksum field to the CRC-32 of every byte from offset 16, as a writer would. */
function resealChecksum(file: Uint8Array): Uint8Array {
  view(file).setUint32(12, Bun.hash.crc32(file.subarray(16)), true);
  return file;
}

/** A small but complete file: every field set, a few bytes of each blob. */
function smallFile(): Uint8Array {
  return encodeEnvelope(9n, {
    tenantId: 3n,
    contextHash: 0x1234n,
    timestamp: -7n,
    embedding: new Uint8Array([1, 2, 3, 4]),
    payloadBlob: utf8.encode("hi!"),
  });
}

function roundTrip(entryId: bigint, entry: EntryFields): void {
  const file = encodeEnvelope(entryId, entry);
  expect(file.byteLength).toBe(ENVELOPE_HEADER_BYTES + encodeEntryBody(entry).byteLength);
  const decoded = decodeEnvelope(file);
  expect(decoded.entryId).toBe(entryId);
  expect(plain(decoded.entry)).toEqual(plain(entry));
  const header = readEnvelopeHeader(file);
  expect(header.entryId).toBe(entryId);
  expect(header.tenantId).toBe(entry.tenantId);
}

describe("encodeEnvelope / decodeEnvelope round trip", () => {
  test("the zero entry under id 0: a header and an empty body", () => {
    const file = encodeEnvelope(0n, ZERO_ENTRY);
    expect(file.byteLength).toBe(ENVELOPE_HEADER_BYTES);
    roundTrip(0n, ZERO_ENTRY);
  });

  test.each([0n, 1n, 1n << 63n, U64_MAX])("entry id %p", (entryId) => {
    roundTrip(entryId, { ...ZERO_ENTRY, tenantId: 5n, payloadBlob: utf8.encode("x") });
  });

  test.each([0n, 1n, 1n << 63n, U64_MAX])("tenant id %p", (tenantId) => {
    roundTrip(U64_MAX, { ...ZERO_ENTRY, tenantId, contextHash: U64_MAX, payloadBlob: utf8.encode("x") });
  });

  test.each([I64_MIN, -1n, 0n, 1n, 1700000000n, I64_MAX])("timestamp %p", (timestamp) => {
    roundTrip(1n, { ...ZERO_ENTRY, tenantId: 2n, timestamp });
  });

  test("an empty payload with a 768-dim f16 embedding (1536 bytes)", () => {
    const embedding = new Uint8Array(new Float16Array(Array.from({ length: 768 }, (_, i) => (i - 384) / 64)).buffer);
    expect(embedding.byteLength).toBe(1536);
    roundTrip(3n, { tenantId: 1n, contextHash: 2n, timestamp: 1700000000n, embedding, payloadBlob: new Uint8Array(0) });
    const decoded = decodeEnvelope(encodeEnvelope(3n, { ...ZERO_ENTRY, embedding }));
    const floats = new Float16Array(decoded.entry.embedding.slice().buffer);
    expect(floats[0]).toBe(-6);
    expect(floats[767]).toBe(383 / 64);
  });

  test("a 16 MiB payload", () => {
    const payloadBlob = new Uint8Array(16 * 1024 * 1024);
    for (let i = 0; i < payloadBlob.byteLength; i++) payloadBlob[i] = Math.imul(i, 0x9e3779b1) >>> 24;
    const entry = { tenantId: U64_MAX, contextHash: 1n, timestamp: I64_MAX, embedding: goldenEmbedding(), payloadBlob };
    const file = encodeEnvelope(U64_MAX, entry);
    expect(readEnvelopeHeader(file).bodyBytes).toBe(file.byteLength - ENVELOPE_HEADER_BYTES);
    const decoded = decodeEnvelope(file);
    expect(decoded.entryId).toBe(U64_MAX);
    expect(decoded.entry.payloadBlob.byteLength).toBe(payloadBlob.byteLength);
    expect(Buffer.from(decoded.entry.payloadBlob).equals(payloadBlob)).toBe(true);
    expect(Buffer.from(decoded.entry.embedding).equals(entry.embedding)).toBe(true);
    expect(decoded.entry.timestamp).toBe(I64_MAX);
  });

  test("decode is zero-copy: the bytes fields are views of the file", () => {
    const file = encodeEnvelope(1n, goldenEntry());
    const { entry } = decodeEnvelope(file);
    expect(entry.payloadBlob.buffer).toBe(file.buffer);
    expect(entry.embedding.buffer).toBe(file.buffer);
    expect(entry.embedding.byteOffset).toBeGreaterThan(ENVELOPE_HEADER_BYTES);
    expect(entry.payloadBlob.byteOffset + entry.payloadBlob.byteLength).toBe(file.byteLength);
  });

  test("decodes a file that sits at an offset inside a larger buffer, still zero-copy", () => {
    const file = encodeEnvelope(77n, goldenEntry());
    const backing = new Uint8Array(file.byteLength + 11).fill(0xaa);
    backing.set(file, 5);
    const slice = backing.subarray(5, 5 + file.byteLength);
    const decoded = decodeEnvelope(slice);
    expect(decoded.entryId).toBe(77n);
    expect(plain(decoded.entry)).toEqual(plain(goldenEntry()));
    expect(decoded.entry.payloadBlob.buffer).toBe(backing.buffer);
    expect(decoded.entry.payloadBlob.byteOffset + decoded.entry.payloadBlob.byteLength).toBe(5 + file.byteLength);
    expect(readEnvelopeHeader(slice).tenantId).toBe(7n);
  });

  test("encodes the same entry to the same bytes every time", () => {
    expect(Buffer.from(encodeEnvelope(42n, goldenEntry())).equals(encodeEnvelope(42n, goldenEntry()))).toBe(true);
  });
});

describe("readEnvelopeHeader", () => {
  test("returns the header fields", () => {
    const file = smallFile();
    const header = readEnvelopeHeader(file);
    expect(header).toEqual({
      version: FORMAT_VERSION,
      headerBytes: ENVELOPE_HEADER_BYTES,
      bodyBytes: file.byteLength - ENVELOPE_HEADER_BYTES,
      checksum: Bun.hash.crc32(file.subarray(16)),
      tenantId: 3n,
      entryId: 9n,
      expiresAt: 0n,
    });
  });

  test("returns the ids without decoding the body (a garbage body with a valid crc)", () => {
    const file = new Uint8Array(ENVELOPE_HEADER_BYTES + 3);
    file.set(ENVELOPE_MAGIC, 0);
    view(file).setUint16(4, 1, true);
    view(file).setUint16(6, 32, true);
    view(file).setUint32(8, 3, true);
    view(file).setBigUint64(16, U64_MAX, true);
    view(file).setBigUint64(24, 12345n, true);
    file.set([0xff, 0xff, 0xff], 32); // not a protobuf message
    resealChecksum(file);
    const header = readEnvelopeHeader(file);
    expect(header.tenantId).toBe(U64_MAX);
    expect(header.entryId).toBe(12345n);
    expect(codecErrorCode(() => decodeEnvelope(file))).toBe("malformed_body");
  });

  test("does not verify the checksum (decodeEnvelope does)", () => {
    const file = smallFile();
    const last = file.byteLength - 1;
    file[last] = (file[last] as number) ^ 1;
    expect(readEnvelopeHeader(file).entryId).toBe(9n);
    expect(codecErrorCode(() => decodeEnvelope(file))).toBe("checksum_mismatch");
  });
});

describe("decodeEnvelope rejects corruption with a typed code", () => {
  test("bad magic", () => {
    for (const at of [0, 1, 2, 3]) {
      const file = smallFile();
      file[at] = (file[at] as number) ^ 0x20;
      expect(codecErrorCode(() => decodeEnvelope(file))).toBe("bad_magic");
      expect(codecErrorCode(() => readEnvelopeHeader(file))).toBe("bad_magic");
    }
    expect(codecErrorCode(() => decodeEnvelope(utf8.encode("not a reflex file at all, longer than a header")))).toBe(
      "bad_magic",
    );
    expect(codecErrorCode(() => decodeEnvelope(utf8.encode("RFLY")))).toBe("bad_magic");
  });

  test("the magic is checked before the length: a short non-reflex file is bad_magic", () => {
    expect(codecErrorCode(() => decodeEnvelope(utf8.encode("XXXXX")))).toBe("bad_magic");
    expect(codecErrorCode(() => decodeEnvelope(new Uint8Array(4)))).toBe("bad_magic");
  });

  test("a version-1 file relabelled version 2 has the wrong header length", () => {
    const file = smallFile();
    view(file).setUint16(4, 2, true);
    expect(codecErrorCode(() => decodeEnvelope(file))).toBe("bad_header");
  });

  test.each([0, 3, 0x100, 0xffff])("unsupported version %p", (version) => {
    const file = smallFile();
    view(file).setUint16(4, version, true);
    expect(codecErrorCode(() => decodeEnvelope(file))).toBe("unsupported_version");
  });

  test.each([0, 16, 31, 33, 64, 0xffff])("wrong header length %p", (headerBytes) => {
    const file = smallFile();
    view(file).setUint16(6, headerBytes, true);
    expect(codecErrorCode(() => decodeEnvelope(file))).toBe("bad_header");
  });

  test("truncation at every length from 0 to file.length - 1", () => {
    const file = smallFile();
    expect(file.byteLength).toBeGreaterThan(ENVELOPE_HEADER_BYTES + 20);
    for (let length = 0; length < file.byteLength; length++) {
      const outcome = codecErrorCode(() => decodeEnvelope(file.slice(0, length)));
      expect(`${length}: ${outcome}`).toBe(`${length}: truncated`);
      expect(codecErrorCode(() => readEnvelopeHeader(file.subarray(0, length)))).toBe("truncated");
    }
  });

  test("trailing bytes", () => {
    const file = smallFile();
    expect(codecErrorCode(() => decodeEnvelope(concat([file, new Uint8Array([0])])))).toBe("trailing_bytes");
    expect(codecErrorCode(() => decodeEnvelope(concat([file, file])))).toBe("trailing_bytes");
    const empty = encodeEnvelope(0n, ZERO_ENTRY);
    expect(codecErrorCode(() => decodeEnvelope(concat([empty, new Uint8Array([0x09])])))).toBe("trailing_bytes");
  });

  test("a flipped bit anywhere from offset 12 to the end (checksum region and checksum field)", () => {
    const file = smallFile();
    let flips = 0;
    for (let bit = 12 * 8; bit < file.byteLength * 8; bit++) {
      const damaged = file.slice();
      damaged[bit >> 3] = (damaged[bit >> 3] as number) ^ (1 << (bit & 7));
      const outcome = codecErrorCode(() => decodeEnvelope(damaged));
      expect(`bit ${bit}: ${outcome}`).toBe(`bit ${bit}: checksum_mismatch`);
      flips++;
    }
    expect(flips).toBe((file.byteLength - 12) * 8);
  });

  test("a flipped bit anywhere in the file never decodes, and always fails with a corruption code", () => {
    const file = smallFile();
    for (let bit = 0; bit < file.byteLength * 8; bit++) {
      const damaged = file.slice();
      damaged[bit >> 3] = (damaged[bit >> 3] as number) ^ (1 << (bit & 7));
      const outcome = codecErrorCode(() => decodeEnvelope(damaged));
      const offset = bit >> 3;
      const expected =
        offset < 4
          ? ["bad_magic"]
          : offset < 6
            ? ["unsupported_version"]
            : offset < 8
              ? ["bad_header"]
              : offset < 12
                ? ["truncated", "trailing_bytes"]
                : ["checksum_mismatch"];
      expect(expected).toContain(outcome);
      expect(isCorruptionCode(outcome as never)).toBe(true);
    }
  });

  test("an altered body length field: truncated when larger, trailing_bytes when smaller", () => {
    const file = smallFile();
    const bodyBytes = readEnvelopeHeader(file).bodyBytes;
    const withBodyLength = (value: number): Uint8Array => {
      const copy = file.slice();
      view(copy).setUint32(8, value, true);
      return copy;
    };
    expect(codecErrorCode(() => decodeEnvelope(withBodyLength(bodyBytes + 1)))).toBe("truncated");
    expect(codecErrorCode(() => decodeEnvelope(withBodyLength(0xffff_ffff)))).toBe("truncated");
    expect(codecErrorCode(() => decodeEnvelope(withBodyLength(bodyBytes - 1)))).toBe("trailing_bytes");
    expect(codecErrorCode(() => decodeEnvelope(withBodyLength(0)))).toBe("trailing_bytes");
  });

  test("a body tenant that differs from the header tenant, with a correct crc, is header_mismatch", () => {
    const file = encodeEnvelope(1n, { ...ZERO_ENTRY, tenantId: 5n, payloadBlob: utf8.encode("p") });
    view(file).setBigUint64(16, 6n, true); // the header now claims tenant 6
    resealChecksum(file);
    expect(readEnvelopeHeader(file).tenantId).toBe(6n);
    expect(codecErrorCode(() => decodeEnvelope(file))).toBe("header_mismatch");
  });

  test("a header tenant with an empty-bodied entry (body tenant 0) is header_mismatch", () => {
    const file = encodeEnvelope(1n, ZERO_ENTRY);
    view(file).setBigUint64(16, U64_MAX, true);
    resealChecksum(file);
    expect(codecErrorCode(() => decodeEnvelope(file))).toBe("header_mismatch");
  });

  test("a hand-built file with a correct crc and matching tenants decodes (the test's crc matches the writer's)", () => {
    const entry = { ...ZERO_ENTRY, tenantId: 5n, payloadBlob: utf8.encode("p") };
    const file = encodeEnvelope(1n, entry);
    const resealed = resealChecksum(file.slice());
    expect(Buffer.from(resealed).equals(file)).toBe(true);
    expect(plain(decodeEnvelope(resealed).entry)).toEqual(plain(entry));
  });

  test("a malformed body with a correct crc is malformed_body", () => {
    const file = concat([encodeEnvelope(1n, ZERO_ENTRY), new Uint8Array([0x09, 0x01])]);
    view(file).setUint32(8, 2, true);
    resealChecksum(file);
    expect(codecErrorCode(() => decodeEnvelope(file))).toBe("malformed_body");
  });
});

describe("encodeEnvelope rejects bad input with invalid_value", () => {
  test.each([
    ["-1n", -1n],
    ["2^64", 2n ** 64n],
    ["the number 42", 42],
    ["the string 42", "42"],
  ])("entry id %s", (_label, entryId) => {
    expect(codecErrorCode(() => encodeEnvelope(entryId as bigint, ZERO_ENTRY))).toBe("invalid_value");
  });

  test.each([
    ["tenant -1n", { tenantId: -1n }],
    ["tenant 2^64", { tenantId: 2n ** 64n }],
    ["tenant as a number", { tenantId: 7 }],
    ["context hash 2^64", { contextHash: 2n ** 64n }],
    ["timestamp i64 max + 1", { timestamp: I64_MAX + 1n }],
    ["payload as a string", { payloadBlob: "hello" }],
  ])("entry %s", (_label, patch) => {
    const entry = { ...ZERO_ENTRY, ...patch } as unknown as EntryFields;
    expect(codecErrorCode(() => encodeEnvelope(1n, entry))).toBe("invalid_value");
  });

  test("the body limit is the u32 body length field", () => {
    expect(MAX_BODY_BYTES).toBe(2 ** 32 - 1);
  });
});

describe("golden file test/golden/entry-v1.bin", () => {
  const golden = new Uint8Array(readFileSync(GOLDEN_PATH));

  test("the encoder writes the committed golden file byte for byte", () => {
    const encoded = encodeEnvelope(GOLDEN_ENTRY_ID, goldenEntry());
    expect(encoded.byteLength).toBe(golden.byteLength);
    expect(Buffer.from(encoded).toString("hex")).toBe(Buffer.from(golden).toString("hex"));
  });

  test("the golden file decodes to the golden entry", () => {
    const decoded = decodeEnvelope(golden);
    expect(decoded.entryId).toBe(42n);
    expect(plain(decoded.entry)).toEqual(plain(goldenEntry()));
    expect(new TextDecoder().decode(decoded.entry.payloadBlob)).toBe("hello, reflex");
  });

  test("the format is pinned literally, so it cannot drift by regenerating the file", () => {
    // header: "RFLX", version 1, header length 32, body length 1578, crc, tenant 7, entry 42
    expect(Array.from(golden.subarray(0, 4))).toEqual([0x52, 0x46, 0x4c, 0x58]);
    expect(new TextDecoder().decode(golden.subarray(0, 4))).toBe("RFLX");
    expect(Array.from(golden.subarray(4, 6))).toEqual([1, 0]);
    expect(Array.from(golden.subarray(6, 8))).toEqual([32, 0]);
    expect(Array.from(golden.subarray(8, 12))).toEqual([0x2a, 0x06, 0, 0]);
    expect(Array.from(golden.subarray(12, 16))).toEqual([0xfe, 0x57, 0x3f, 0x7f]);
    expect(Array.from(golden.subarray(16, 24))).toEqual([7, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(golden.subarray(24, 32))).toEqual([42, 0, 0, 0, 0, 0, 0, 0]);
    // body: tenant_id (fixed64), context_hash (fixed64), timestamp (varint), embedding (len 1536)
    expect(Buffer.from(golden.subarray(32, 59)).toString("hex")).toBe(
      "090700000000000000" + "110df0fecaefbeadde" + "1880e2cfaa06" + "22800c",
    );
    // ... then payload_blob (len 13) last
    expect(Buffer.from(golden.subarray(1610 - 15)).toString("hex")).toBe(
      `2a0d${Buffer.from("hello, reflex").toString("hex")}`,
    );
    expect(golden.byteLength).toBe(1610);
    expect(Bun.hash.crc32(golden)).toBe(0x3787f9ab);
    // the constants agree with the bytes
    expect(FORMAT_VERSION).toBe(1);
    expect(ENVELOPE_HEADER_BYTES).toBe(32);
    expect(Array.from(ENVELOPE_MAGIC)).toEqual([0x52, 0x46, 0x4c, 0x58]);
  });
});

describe("envelopeBody", () => {
  test("is the body after a v1 or v2 header, as a view", () => {
    const entry = {
      tenantId: 3n,
      contextHash: 4n,
      timestamp: 5n,
      embedding: new Uint8Array([1]),
      payloadBlob: new Uint8Array([2]),
    };
    for (const expiresAt of [0n, 99n]) {
      const file = encodeEnvelope(7n, entry, expiresAt);
      const body = envelopeBody(file);
      expect(body.byteOffset).toBe(expiresAt === 0n ? 32 : 40);
      expect(decodeEntryBody(body)).toEqual(decodeEnvelope(file).entry);
    }
  });
});
