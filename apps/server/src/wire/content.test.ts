import { describe, expect, test } from "bun:test";
import { negotiateEntryEncoding, requestEncoding } from "./content.ts";

describe("requestEncoding", () => {
  test("JSON, protobuf, or nothing", () => {
    expect(requestEncoding("application/json")).toBe("json");
    expect(requestEncoding("Application/JSON; charset=utf-8")).toBe("json");
    expect(requestEncoding("application/vnd.reflex+json")).toBe("json");
    expect(requestEncoding("application/x-protobuf")).toBe("protobuf");
    expect(requestEncoding("application/protobuf; proto=reflex.v1.CacheEntry")).toBe("protobuf");
    for (const type of [
      undefined,
      "",
      "text/plain",
      "application/jsonx",
      "application/octet-stream",
      "multipart/form-data",
    ]) {
      expect(requestEncoding(type)).toBeUndefined();
    }
  });
});

describe("negotiateEntryEncoding", () => {
  test("JSON by default and on ties", () => {
    for (const accept of [
      undefined,
      "",
      "*/*",
      "text/html",
      "application/*",
      "application/json, application/x-protobuf",
    ]) {
      expect(negotiateEntryEncoding(accept).encoding).toBe("json");
    }
  });

  test("protobuf when preferred", () => {
    expect(negotiateEntryEncoding("application/x-protobuf")).toEqual({
      encoding: "protobuf",
      contentType: "application/x-protobuf",
    });
    expect(negotiateEntryEncoding("application/protobuf").contentType).toBe("application/protobuf");
    expect(negotiateEntryEncoding("application/json;q=0.2, application/x-protobuf;q=0.8").encoding).toBe("protobuf");
    expect(negotiateEntryEncoding("application/json;q=0, */*").encoding).toBe("protobuf");
  });

  test("a more specific range wins over a wildcard", () => {
    expect(negotiateEntryEncoding("application/x-protobuf;q=0, */*").encoding).toBe("json");
    expect(negotiateEntryEncoding("application/x-protobuf;q=0.5, application/*;q=0.1").encoding).toBe("protobuf");
  });
});
