import { describe, expect, test } from "bun:test";
import { etagOf, ifNoneMatchMatches, payloadEtag } from "./etag.ts";

describe("payloadEtag", () => {
  test("strong, quoted, depends on every byte", () => {
    const a = payloadEtag(new Uint8Array([1, 2, 3]));
    expect(a).toMatch(/^"3-[0-9a-f]{16}"$/);
    expect(payloadEtag(new Uint8Array([1, 2, 3]))).toBe(a);
    expect(payloadEtag(new Uint8Array([1, 2, 4]))).not.toBe(a);
    expect(payloadEtag(new Uint8Array(0))).toMatch(/^"0-/);
  });
});

describe("ifNoneMatchMatches", () => {
  const tag = '"3-00112233445566778899"';
  test("exact, weak, in a list, or *", () => {
    expect(ifNoneMatchMatches(tag, tag)).toBe(true);
    expect(ifNoneMatchMatches(`W/${tag}`, tag)).toBe(true);
    expect(ifNoneMatchMatches(`"a", ${tag} , "b"`, tag)).toBe(true);
    expect(ifNoneMatchMatches("*", tag)).toBe(true);
  });
  test("absent, other, or unquoted", () => {
    expect(ifNoneMatchMatches(undefined, tag)).toBe(false);
    expect(ifNoneMatchMatches('"other"', tag)).toBe(false);
    expect(ifNoneMatchMatches(tag.slice(1, -1), tag)).toBe(false);
  });
});

describe("etagOf", () => {
  test("gives payloadEtag's tag from the length and the digest", () => {
    const bytes = new TextEncoder().encode("same bytes");
    expect(etagOf(bytes.byteLength, BigInt(Bun.hash.wyhash(bytes)))).toBe(payloadEtag(bytes));
    expect(etagOf(0, 1n)).toBe('"0-0000000000000001"');
  });
});
