import { describe, expect, test } from "bun:test";
import type { OperationRecorder, StoreOperation } from "../contract/operation-recorder.ts";
import { StoreError } from "../contract/store-error.ts";
import { timed } from "./timed.ts";

function recorder(): OperationRecorder & { seen: [StoreOperation, string | null, number][] } {
  const seen: [StoreOperation, string | null, number][] = [];
  return {
    seen,
    record(operation, durationNs, errorCode, bytes) {
      expect(durationNs).toBeGreaterThanOrEqual(0);
      seen.push([operation, errorCode, bytes]);
    },
  };
}

describe("timed", () => {
  test("with no recorder it only runs the action", () => {
    expect(timed(null, "load", () => 42)).toBe(42);
  });

  test("records a sync success with its bytes, and a failure with its code (unknown for a non-store error)", () => {
    const r = recorder();
    expect(
      timed(
        r,
        "load",
        () => ({ fileBytes: 9 }),
        (x) => x.fileBytes,
      ),
    ).toEqual({ fileBytes: 9 });
    expect(() =>
      timed(r, "delete", () => {
        throw new StoreError("not_found", "gone");
      }),
    ).toThrow("gone");
    expect(() =>
      timed(r, "exists", () => {
        throw new TypeError("bug");
      }),
    ).toThrow("bug");
    expect(r.seen).toEqual([
      ["load", null, 9],
      ["delete", "not_found", 0],
      ["exists", "unknown", 0],
    ]);
  });

  test("records a promise when it settles: resolved with its bytes, rejected with its code", async () => {
    const r = recorder();
    const pending = timed(
      r,
      "store",
      async () => ({ fileBytes: 5 }),
      (x) => x.fileBytes,
    );
    expect(r.seen).toEqual([]);
    expect(await pending).toEqual({ fileBytes: 5 });
    await expect(
      timed(r, "verify", async () => {
        throw new StoreError("io", "disk");
      }),
    ).rejects.toThrow("disk");
    expect(r.seen).toEqual([
      ["store", null, 5],
      ["verify", "io", 0],
    ]);
  });
});
