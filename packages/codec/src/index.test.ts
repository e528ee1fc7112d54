import { describe, expect, test } from "bun:test";
// Internals the index does not export (nothing outside the package uses them) come from their modules.
import { assertEntryFields, entryBodySize, writeEntryBody } from "./entry-wire.ts";
import { FORMAT_VERSION } from "./envelope.ts";
import { CacheEntrySchema } from "./gen/reflex/v1/cache_entry_pb.ts";
import { DumpRecordSchema } from "./gen/reflex/v1/dump_record_pb.ts";
import {
  assertU64,
  CodecError,
  decodeDumpStream,
  decodeEntryBody,
  decodeEnvelope,
  encodeDumpRecord,
  encodeEntryBody,
  encodeEnvelope,
  entryFromJson,
  entryToJson,
  isCanonicalU64,
  isCodecError,
  isCorruptionCode,
  parseI64,
  parseU64,
  readEnvelopeHeader,
  U64_MAX,
} from "./index.ts";
import { assertI64 } from "./u64.ts";

describe("@reflex/codec public API", () => {
  test("exports the functions the store, the server and the CLI use", () => {
    const functions = {
      assertEntryFields,
      assertI64,
      assertU64,
      decodeDumpStream,
      decodeEntryBody,
      decodeEnvelope,
      encodeDumpRecord,
      encodeEntryBody,
      encodeEnvelope,
      entryBodySize,
      entryFromJson,
      entryToJson,
      isCanonicalU64,
      isCodecError,
      isCorruptionCode,
      parseI64,
      parseU64,
      readEnvelopeHeader,
      writeEntryBody,
    };
    for (const [name, value] of Object.entries(functions)) {
      expect(`${name}: ${typeof value}`).toBe(`${name}: function`);
    }
    expect(CodecError.prototype).toBeInstanceOf(Error);
    expect(CacheEntrySchema.typeName).toBe("reflex.v1.CacheEntry");
    expect(DumpRecordSchema.typeName).toBe("reflex.v1.DumpRecord");
    expect(FORMAT_VERSION).toBe(1);
    expect(U64_MAX).toBe(2n ** 64n - 1n);
  });

  test("the @example of the entry point works: encode, then decode a zero-copy view", () => {
    const entry = {
      tenantId: 1n,
      contextHash: 7n,
      timestamp: 1700000000n,
      embedding: new Uint8Array(1536),
      payloadBlob: new TextEncoder().encode("hi"),
    };
    const file = encodeEnvelope(42n, entry);
    const { entryId, entry: view } = decodeEnvelope(file);
    expect(entryId).toBe(42n);
    expect(new TextDecoder().decode(view.payloadBlob)).toBe("hi");
    expect(view.payloadBlob.buffer).toBe(file.buffer);
  });
});
