import { describe, expect, test } from "bun:test";
import { deleteReplyOf, putReplyOf } from "./scripts.ts";

describe("the scripts' replies, by name", () => {
  test("put: existed, deltas, unlisted and epoch in the script's order", () => {
    expect(putReplyOf([1, 0, -12, 0, "7"])).toEqual({
      existed: true,
      entriesDelta: 0,
      bytesDelta: -12,
      unlisted: false,
      epoch: "7",
    });
    expect(putReplyOf([0, 1, 4096, 1, "3"])).toMatchObject({ existed: false, entriesDelta: 1, unlisted: true });
  });

  test("delete: removed and deltas", () => {
    expect(deleteReplyOf([1, -1, -4096])).toEqual({ removed: true, entriesDelta: -1, bytesDelta: -4096 });
    expect(deleteReplyOf([0, 0, 0])).toEqual({ removed: false, entriesDelta: 0, bytesDelta: 0 });
  });
});
