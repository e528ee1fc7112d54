import { describe, expect, test } from "bun:test";
import { concat, sameBytes } from "./bytes.ts";
import { entryProblem, entrySeed, taggedEntry } from "./tagged-entry.ts";

const length = () => 1024;

describe("taggedEntry", () => {
  test("derives every byte from (tenant, id, tag): the same three give the same entry", () => {
    const a = taggedEntry(1n, 2n, 3n, 1024);
    const b = taggedEntry(1n, 2n, 3n, 1024);
    expect([a.tenantId, a.contextHash, a.timestamp, a.payloadBlob.byteLength]).toEqual([1n, 3n, 3n, 1024]);
    expect(sameBytes(a.payloadBlob, b.payloadBlob) && sameBytes(a.embedding, b.embedding)).toBe(true);
    expect(sameBytes(a.payloadBlob, taggedEntry(1n, 2n, 4n, 1024).payloadBlob)).toBe(false);
    expect(sameBytes(a.payloadBlob, taggedEntry(1n, 5n, 3n, 1024).payloadBlob)).toBe(false);
    expect(entrySeed(1n, 2n, 3n)).toBe(entrySeed(1n, 2n, 3n));
  });
});

describe("entryProblem", () => {
  test("passes the entry a write stored", () => {
    expect(entryProblem(taggedEntry(7n, 8n, 9n, 1024), 7n, 8n, length)).toBeUndefined();
  });

  test("names a torn payload, a changed embedding, a wrong timestamp or tenant", () => {
    const whole = taggedEntry(7n, 8n, 9n, 1024);
    const other = taggedEntry(7n, 8n, 10n, 1024);
    const torn = {
      ...whole,
      payloadBlob: concat([whole.payloadBlob.subarray(0, 512), other.payloadBlob.subarray(512)]),
    };
    expect(entryProblem(torn, 7n, 8n, length)).toBe("tag 9: payload differs (1024 bytes, expected 1024)");
    expect(entryProblem({ ...whole, embedding: other.embedding }, 7n, 8n, length)).toBe("tag 9: embedding differs");
    expect(entryProblem({ ...whole, timestamp: 1n }, 7n, 8n, length)).toBe("tag 9: timestamp 1");
    expect(entryProblem(whole, 6n, 8n, length)).toBe("tenant 7, expected 6");
    expect(entryProblem(whole, 7n, 9n, length)).toContain("differs");
  });
});
