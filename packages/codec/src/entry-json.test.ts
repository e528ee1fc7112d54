import { describe, expect, test } from "bun:test";
import { plain } from "@reflex/testkit";
import { codecErrorCode, extremeEntries, ZERO_ENTRY } from "../test/helpers.ts";
import type { EntryFields } from "./entry.ts";
import { entryFromJson, entryToJson } from "./entry-json.ts";
import { I64_MAX, I64_MIN, U64_MAX } from "./u64.ts";

const utf8 = new TextEncoder();

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

describe("entryToJson", () => {
  test("writes 64-bit integers as decimal strings and bytes as base64", () => {
    const json = entryToJson({
      tenantId: U64_MAX,
      contextHash: 0xdeadbeefcafef00dn,
      timestamp: I64_MIN,
      embedding: new Uint8Array([0, 1, 2, 0xfe, 0xff]),
      payloadBlob: utf8.encode("hi"),
    });
    expect(json).toEqual({
      tenantId: "18446744073709551615",
      contextHash: "16045690984503111693",
      timestamp: "-9223372036854775808",
      embedding: "AAEC/v8=",
      payloadBlob: "aGk=",
    });
  });

  test("emits every field even when zero or empty, in camelCase", () => {
    const json = entryToJson(ZERO_ENTRY);
    expect(json).toEqual({ tenantId: "0", contextHash: "0", timestamp: "0", embedding: "", payloadBlob: "" });
    expect(Object.keys(json).sort()).toEqual(["contextHash", "embedding", "payloadBlob", "tenantId", "timestamp"]);
  });

  test("is plain JSON data (survives JSON.stringify unchanged)", () => {
    for (const entry of extremeEntries()) {
      const json = entryToJson(entry);
      expect(JSON.parse(JSON.stringify(json))).toEqual(json);
      expect(json.tenantId).toBe(entry.tenantId.toString());
      expect(json.timestamp).toBe(entry.timestamp.toString());
      expect(json.embedding).toBe(base64(entry.embedding));
      expect(json.payloadBlob).toBe(base64(entry.payloadBlob));
    }
  });

  test("encodes a view of a larger buffer by its own bytes only", () => {
    const backing = utf8.encode("xxhello, reflexyy");
    const json = entryToJson({ ...ZERO_ENTRY, payloadBlob: backing.subarray(2, 15) });
    expect(Buffer.from(json.payloadBlob ?? "", "base64").toString()).toBe("hello, reflex");
  });

  test.each([
    ["tenant -1n", { tenantId: -1n }],
    ["tenant 2^64", { tenantId: 2n ** 64n }],
    ["tenant as a number", { tenantId: 1 }],
    ["timestamp i64 min - 1", { timestamp: I64_MIN - 1n }],
    ["embedding as an array", { embedding: [1] }],
  ])("refuses an out-of-range entry (%s) with invalid_value", (_label, patch) => {
    const entry = { ...ZERO_ENTRY, ...patch } as unknown as EntryFields;
    expect(codecErrorCode(() => entryToJson(entry))).toBe("invalid_value");
  });
});

describe("entryFromJson", () => {
  test("round trips entryToJson at the extremes, also through JSON text", () => {
    for (const entry of extremeEntries()) {
      expect(plain(entryFromJson(entryToJson(entry)))).toEqual(plain(entry));
      expect(plain(entryFromJson(JSON.parse(JSON.stringify(entryToJson(entry)))))).toEqual(plain(entry));
    }
  });

  test("returns a plain entry with exactly the five fields", () => {
    const entry = entryFromJson({ tenantId: "1" });
    expect(Object.keys(entry).sort()).toEqual(["contextHash", "embedding", "payloadBlob", "tenantId", "timestamp"]);
    expect(entry.embedding).toBeInstanceOf(Uint8Array);
  });

  test("accepts snake_case (proto) names", () => {
    const entry = entryFromJson({
      tenant_id: "18446744073709551615",
      context_hash: "2",
      timestamp: "-1",
      embedding: "AAE=",
      payload_blob: "aGk=",
    });
    expect(plain(entry)).toEqual({
      tenantId: U64_MAX,
      contextHash: 2n,
      timestamp: -1n,
      embedding: [0, 1],
      payloadBlob: [0x68, 0x69],
    });
  });

  test("fills missing and null fields with zero values", () => {
    expect(plain(entryFromJson({}))).toEqual(plain(ZERO_ENTRY));
    expect(
      plain(entryFromJson({ tenantId: null, contextHash: null, timestamp: null, embedding: null, payloadBlob: null })),
    ).toEqual(plain(ZERO_ENTRY));
  });

  test("accepts base64url and unpadded base64, as the protobuf JSON mapping does", () => {
    const bytes = new Uint8Array([0xfb, 0xff, 0xbf]);
    expect(Array.from(entryFromJson({ embedding: "-_-_" }).embedding)).toEqual(Array.from(bytes));
    expect(Array.from(entryFromJson({ payloadBlob: "aGk" }).payloadBlob)).toEqual([0x68, 0x69]);
  });

  test("accepts the i64 bounds", () => {
    expect(entryFromJson({ timestamp: "-9223372036854775808" }).timestamp).toBe(I64_MIN);
    expect(entryFromJson({ timestamp: "9223372036854775807" }).timestamp).toBe(I64_MAX);
  });

  describe("refuses with invalid_json", () => {
    test.each([
      ["tenantId as a number", { tenantId: 1 }],
      ["tenantId as a number past 2^53", { tenantId: 2 ** 53 + 2 }],
      ["contextHash as a number", { contextHash: 0 }],
      ["timestamp as a number", { timestamp: 1700000000 }],
      ["tenant_id as a number", { tenant_id: 7 }],
      ["tenantId as a boolean", { tenantId: true }],
      ["tenantId as an object", { tenantId: { value: "1" } }],
      ["tenantId -1", { tenantId: "-1" }],
      ["tenantId 2^64", { tenantId: "18446744073709551616" }],
      ["contextHash far past 2^64", { contextHash: "99999999999999999999999" }],
      ["tenantId 0x1", { tenantId: "0x1" }],
      ["tenantId 1e3", { tenantId: "1e3" }],
      ["tenantId with a leading zero", { tenantId: "01" }],
      ["tenantId with spaces", { tenantId: " 1" }],
      ["tenantId empty", { tenantId: "" }],
      ["context_hash negative", { context_hash: "-5" }],
      ["timestamp i64 max + 1", { timestamp: "9223372036854775808" }],
      ["timestamp i64 min - 1", { timestamp: "-9223372036854775809" }],
      ["timestamp -0", { timestamp: "-0" }],
      ["timestamp 1.5", { timestamp: "1.5" }],
      ["an unknown field", { tenantId: "1", foo: 1 }],
      ["an unknown field that is nearly a name", { tenantid: "1" }],
      ["a field set by both of its names", { tenantId: "1", tenant_id: "1" }],
      ["a field set by both names, one null", { payloadBlob: "aGk=", payload_blob: null }],
      ["bad base64 in embedding", { embedding: "!!!!" }],
      ["bad base64 in payloadBlob", { payloadBlob: "aGk=*" }],
      ["bytes as a number", { payloadBlob: 5 }],
      ["bytes as an array", { embedding: [1, 2, 3] }],
    ])("%s", (_label, json) => {
      expect(codecErrorCode(() => entryFromJson(json))).toBe("invalid_json");
    });

    test.each([
      ["null", null],
      ["undefined", undefined],
      ["an array", []],
      ["an array holding an entry", [{ tenantId: "1" }]],
      ["a string", "{}"],
      ["a number", 42],
      ["a boolean", true],
    ])("a non-object: %s", (_label, json) => {
      expect(codecErrorCode(() => entryFromJson(json))).toBe("invalid_json");
    });

    test("a __proto__ key from JSON.parse", () => {
      expect(codecErrorCode(() => entryFromJson(JSON.parse('{"__proto__": {"tenantId": "1"}}')))).toBe("invalid_json");
    });
  });

  test("the error names the offending field", () => {
    expect(() => entryFromJson({ contextHash: 12 })).toThrow(/contextHash/);
    expect(() => entryFromJson({ context_hash: "-1" })).toThrow(/context_hash/);
  });
});
