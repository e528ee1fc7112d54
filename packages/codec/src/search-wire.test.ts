import { describe, expect, test } from "bun:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { isCodecError } from "./codec-error.ts";
import { SearchRequestSchema, SearchResponseSchema } from "./gen/reflex/v1/search_pb.ts";
import {
  decodeSearchRequest,
  encodeSearchResponse,
  parseSearchInclude,
  searchRequestFromJson,
  searchResponseToJson,
} from "./search-wire.ts";

describe("search messages", () => {
  test("a binary SearchRequest decodes with unset fields left out", () => {
    const bytes = toBinary(SearchRequestSchema, create(SearchRequestSchema, { embedding: new Uint8Array([0, 60]) }));
    expect(decodeSearchRequest(bytes)).toEqual({ embedding: new Uint8Array([0, 60]), exact: false, include: "ids" });
    const full = create(SearchRequestSchema, {
      embedding: new Uint8Array([0, 60]),
      k: 5,
      minSimilarity: 0,
      exact: true,
      include: "entry",
    });
    expect(decodeSearchRequest(toBinary(SearchRequestSchema, full))).toEqual({
      embedding: new Uint8Array([0, 60]),
      k: 5,
      minSimilarity: 0,
      exact: true,
      include: "entry",
    });
  });

  test("the JSON body decodes base64 (standard or URL-safe); bad base64 is invalid_json", () => {
    expect(
      searchRequestFromJson({ embedding: "ADw=", k: 5, minSimilarity: 0.5, exact: true, include: "entry" }),
    ).toEqual({
      embedding: new Uint8Array([0, 60]),
      k: 5,
      minSimilarity: 0.5,
      exact: true,
      include: "entry",
    });
    expect(searchRequestFromJson({ embedding: "_-8" }).embedding).toEqual(new Uint8Array([0xff, 0xef]));
    let caught: unknown;
    try {
      searchRequestFromJson({ embedding: "!!!" });
    } catch (error) {
      caught = error;
    }
    expect(isCodecError(caught) && caught.code === "invalid_json").toBe(true);
  });

  test("bad bytes and a bad include are invalid_value", () => {
    for (const action of [
      () => decodeSearchRequest(new Uint8Array([0xff, 0xff, 0xff])),
      () => parseSearchInclude("payload"),
    ]) {
      let caught: unknown;
      try {
        action();
      } catch (error) {
        caught = error;
      }
      expect(isCodecError(caught) && caught.code === "invalid_value").toBe(true);
    }
  });

  test("a response encodes to binary and to the JSON mapping, ids and hashes as decimal strings", () => {
    const entry = {
      tenantId: 1n,
      contextHash: 7n,
      timestamp: 5n,
      embedding: new Uint8Array([0, 60]),
      payloadBlob: new Uint8Array([104, 105]),
    };
    const hits = [
      { id: 42n, similarity: 0.97, timestamp: 5n, contextHash: 0xffff_ffff_ffff_ffffn, entry },
      { id: 0n, similarity: 0.5, timestamp: 0n, contextHash: 0n },
    ];
    const decoded = fromBinary(SearchResponseSchema, encodeSearchResponse(hits));
    expect(decoded.hits.map((hit) => [hit.id, hit.similarity, hit.contextHash, hit.entry?.payloadBlob])).toEqual([
      [42n, 0.97, 0xffff_ffff_ffff_ffffn, new Uint8Array([104, 105])],
      [0n, 0.5, 0n, undefined],
    ]);
    expect(searchResponseToJson(hits)).toEqual({
      hits: [
        {
          id: "42",
          similarity: 0.97,
          timestamp: "5",
          contextHash: "18446744073709551615",
          entry: { tenantId: "1", contextHash: "7", timestamp: "5", embedding: "ADw=", payloadBlob: "aGk=" },
        },
        { id: "0", similarity: 0.5, timestamp: "0", contextHash: "0" },
      ],
    });
    expect(searchResponseToJson([])).toEqual({ hits: [] });
  });
});

describe("scoped search and nearest on the wire", () => {
  test("contextHash: a decimal string in JSON, fixed64 in protobuf, absent when unset (0 is a context hash)", () => {
    const embedding = new Uint8Array([0, 60]);
    expect(searchRequestFromJson({ embedding: "ADw=", contextHash: "18446744073709551615" }).contextHash).toBe(
      2n ** 64n - 1n,
    );
    expect(searchRequestFromJson({ embedding: "ADw=", contextHash: "0" }).contextHash).toBe(0n);
    expect("contextHash" in searchRequestFromJson({ embedding: "ADw=" })).toBe(false);
    const bytes = toBinary(SearchRequestSchema, create(SearchRequestSchema, { embedding, contextHash: 0n }));
    expect(decodeSearchRequest(bytes).contextHash).toBe(0n);
    expect(() => searchRequestFromJson({ embedding: "ADw=", contextHash: "-1" })).toThrow();
  });

  test("nearest: a number or null in JSON; set or unset in protobuf", () => {
    expect(searchResponseToJson([], 0.42)).toEqual({ hits: [], nearest: 0.42 });
    expect(searchResponseToJson([], null)).toEqual({ hits: [], nearest: null });
    expect(fromBinary(SearchResponseSchema, encodeSearchResponse([], 0.42)).nearest).toBe(0.42);
    expect(fromBinary(SearchResponseSchema, encodeSearchResponse([], null)).nearest).toBeUndefined();
  });
});
