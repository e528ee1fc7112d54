// Bodies: JSON entries valid and mutated, deep JSON, protobuf bodies valid, truncated,
// bit-flipped and hand-made traps, random bytes, and bodies over the limit.
import { type EntryFields, encodeEntryBody, U64_MAX } from "@reflex/codec";
import fc from "fast-check";
import { canonicalId } from "./ids.ts";

/** A request body as sent. */
export type FuzzBody = Uint8Array<ArrayBuffer> | undefined;

/** `text` as UTF-8 bytes, typed as a body. */
export const utf8 = (text: string): Uint8Array<ArrayBuffer> =>
  new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>;

const base64Field = fc.uint8Array({ maxLength: 96 }).map((bytes) => Buffer.from(bytes).toString("base64"));

/** A valid JSON entry (protobuf JSON mapping), with or without tenantId. */
const jsonEntry: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    tenantId: fc.oneof(fc.constantFrom("1", "2", "3"), canonicalId),
    contextHash: canonicalId,
    timestamp: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map(String),
    embedding: base64Field,
    payloadBlob: base64Field,
  },
  { requiredKeys: [] },
);

/** A JSON value of a wrong type for any field. */
const wrongValue = fc.oneof(
  fc.constantFrom(7, -1, 1e30, 0.5, Number.MAX_SAFE_INTEGER + 2, true, false, null, [], {}, ["1"], { value: "1" }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 20 }),
);

const FIELD_NAMES = [
  "tenantId",
  "tenant_id",
  "contextHash",
  "context_hash",
  "timestamp",
  "embedding",
  "payloadBlob",
  "payload_blob",
  "TenantId",
  "tenantID",
  "payload",
  "__proto__",
  "constructor",
  "",
] as const;

/** A JSON entry with one field set to a wrong type, a number where a string belongs, or an unknown name. */
const mutatedJsonEntry = fc
  .tuple(jsonEntry, fc.constantFrom(...FIELD_NAMES), wrongValue)
  .map(([entry, field, value]) => JSON.stringify({ ...entry, [field]: value }));

/** JSON nested `depth` levels deep, as arrays or objects, maybe inside a field. */
const deepJson = fc
  .tuple(fc.integer({ min: 64, max: 50_000 }), fc.constantFrom("array", "object", "field"))
  .map(([depth, kind]) => {
    if (kind === "array") return `${"[".repeat(depth)}${"]".repeat(depth)}`;
    const nested = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    return kind === "object" ? nested : `{"payloadBlob":${nested}}`;
  });

/** JSON texts the API must refuse or read correctly. */
const jsonBody: fc.Arbitrary<Uint8Array<ArrayBuffer>> = fc
  .oneof(
    { weight: 4, arbitrary: jsonEntry.map((entry) => JSON.stringify(entry)) },
    { weight: 4, arbitrary: mutatedJsonEntry },
    { weight: 1, arbitrary: deepJson },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(jsonEntry, fc.nat())
        .map(([entry, cut]) => JSON.stringify(entry).slice(0, cut % (JSON.stringify(entry).length + 1))),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "",
        "null",
        "[]",
        '"x"',
        "1",
        "{",
        "}",
        "{}",
        '{"tenantId":"1","tenant_id":"2"}',
        '{"tenantId":"2","tenant_id":"1"}',
        '{"tenantId":"1","tenantId":"2"}',
        '{"contextHash":"7","contextHash":7}',
        '{"payloadBlob":"!!!"}',
        '{"payloadBlob":"aGk"}',
        '{"payloadBlob":"aGk=","embedding":"____"}',
        '{"timestamp":"-9223372036854775808"}',
        '{"timestamp":"9223372036854775808"}',
        '{"contextHash":"18446744073709551616"}',
        '{"tenantId":1}',
        '{"tenantId":"01"}',
        '\ufeff{"payloadBlob":"aGk="}',
        '{"payloadBlob":"aGk="}garbage',
        '{"__proto__":{"tenantId":"2"}}',
        '{"constructor":{"prototype":{"admin":true}}}',
      ),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((n) => `{"payloadBlob":"${"QUFB".repeat(n >> 2)}"}`),
    },
  )
  .map((body) => (typeof body === "string" ? utf8(body) : body));

/** An entry's fields for protobuf bodies. */
const protobufEntry = fc.record({
  tenantId: fc.oneof(fc.constantFrom(0n, 1n, 2n, 3n), fc.bigInt({ min: 0n, max: U64_MAX })),
  contextHash: fc.bigInt({ min: 0n, max: U64_MAX }),
  timestamp: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
  embedding: fc.uint8Array({ maxLength: 64 }),
  payloadBlob: fc.uint8Array({ maxLength: 256 }),
});

/** The entry as protobuf wire bytes, typed as a body. */
export const encodeProto = (entry: EntryFields): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(encodeEntryBody(entry)) as Uint8Array<ArrayBuffer>;

/** Hand-made protobuf wire bytes: huge declared lengths, overlong varints, groups, unknown fields, bad wire types. */
const PROTOBUF_TRAPS: readonly number[][] = [
  [0x22, 0xff, 0xff, 0xff, 0xff, 0x0f], // embedding: length 2^32-1
  [0x2a, 0xff, 0xff, 0xff, 0xff, 0x07], // payload: length 2^31-1
  [0x2a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // 10-byte varint length
  [0x2a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // 11-byte varint
  [0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0x02, 0x33, 0x33], // tenant 1, then field 1 as bytes
  [0x08, 0x01], // field 1 as varint
  [0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0x0b, 0x0c], // tenant 1, start group, end group
  [0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0x0b], // unterminated group
  [0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0x0c], // stray end group
  [0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0x0e], // wire type 6
  [0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0x0f], // wire type 7
  [0x00], // field 0
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80], // endless tag varint
  [0xfa, 0xff, 0xff, 0xff, 0x0f, 0x00], // field 2^29-1
  [0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0x09, 2, 0, 0, 0, 0, 0, 0, 0], // tenant 1 then tenant 2 (last wins)
  [0x09, 2, 0, 0, 0, 0, 0, 0, 0, 0x09, 1, 0, 0, 0, 0, 0, 0, 0], // tenant 2 then tenant 1
];

/** Protobuf bodies: valid, truncated, bit-flipped, with trailing garbage, hand-made traps, random bytes. */
const protobufBody: fc.Arbitrary<Uint8Array<ArrayBuffer>> = fc.oneof(
  { weight: 4, arbitrary: protobufEntry.map(encodeProto) },
  {
    weight: 2,
    arbitrary: fc.tuple(protobufEntry, fc.nat()).map(([entry, cut]) => {
      const bytes = encodeProto(entry);
      return bytes.slice(0, cut % (bytes.length + 1));
    }),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        protobufEntry,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
      )
      .map(([entry, flips]) => {
        const bytes = encodeProto(entry);
        for (const [at, mask] of flips) {
          if (bytes.length === 0) break;
          const i = at % bytes.length;
          bytes[i] = (bytes[i] ?? 0) ^ mask;
        }
        return bytes;
      }),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(protobufEntry, fc.uint8Array({ minLength: 1, maxLength: 32 })).map(([entry, tail]) => {
      const head = encodeProto(entry);
      const bytes = new Uint8Array(head.length + tail.length);
      bytes.set(head);
      bytes.set(tail, head.length);
      return bytes;
    }),
  },
  { weight: 2, arbitrary: fc.constantFrom(...PROTOBUF_TRAPS).map((bytes) => Uint8Array.from(bytes)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 512 }) },
);

/** Any body: JSON, protobuf, random bytes, or one over the fuzz app's body limit. */
export function fuzzBody(maxBodyBytes: number): fc.Arbitrary<FuzzBody> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 6, arbitrary: jsonBody },
    { weight: 5, arbitrary: protobufBody },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }) as fc.Arbitrary<Uint8Array<ArrayBuffer>> },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: maxBodyBytes + 1, max: maxBodyBytes * 2 })
        .map((size) => new Uint8Array(size).fill(0x41)),
    },
  );
}
