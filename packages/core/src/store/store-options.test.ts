import { describe, expect, test } from "bun:test";
import { isStoreError } from "../contract/store-error.ts";
import { type NvmeStorageOptions, resolveStoreOptions } from "./store-options.ts";

/** The `invalid_argument` message a bad option gets (fails the test when it is accepted or gets another error). */
function refusal(options: unknown): string {
  try {
    resolveStoreOptions(options as NvmeStorageOptions);
  } catch (error) {
    if (isStoreError(error, "invalid_argument")) return error.message;
    throw error;
  }
  throw new Error(`accepted: ${JSON.stringify(options)}`);
}

describe("resolveStoreOptions", () => {
  test("defaults fill every option", () => {
    const resolved = resolveStoreOptions();
    expect(resolved).toMatchObject({
      durability: "fsync",
      handleCache: { maxEntries: 4096, maxBytes: 256 * 1024 * 1024 },
      lockMode: "exclusive",
      maxEntryBytes: Number.POSITIVE_INFINITY,
      lookup: { maxBytes: 1024 * 1024 * 1024, build: "first-use" },
    });
  });

  test("a bad option is a typed invalid_argument naming it, never accepted silently nor a RangeError", () => {
    expect(refusal({ durability: "bogus" })).toBe('durability must be "fsync" or "atomic", got bogus');
    expect(refusal({ handleCache: { maxEntries: -5 } })).toBe(
      "handleCache.maxEntries must be a non-negative integer, got -5",
    );
    expect(refusal({ handleCache: { maxBytes: 1.5 } })).toContain("handleCache.maxBytes");
    expect(refusal({ maxMappings: -1 })).toContain("maxMappings");
    expect(refusal({ mmapThresholdBytes: Number.NaN })).toContain("mmapThresholdBytes");
    expect(refusal({ staleTempAfterMs: "10" })).toContain("staleTempAfterMs");
    expect(refusal({ readOnly: "yes" })).toContain("readOnly");
    expect(refusal({ lock: 0 })).toContain("lock");
    expect(refusal({ sweepTempFiles: null })).toContain("sweepTempFiles");
    expect(refusal({ clock: 5 })).toContain("clock");
    expect(refusal({ maxEntryBytes: 0 })).toContain("maxEntryBytes");
    expect(refusal({ lookup: { build: "later" } })).toBe('lookup.build must be "open" or "first-use", got later');
    expect(refusal({ lookup: { maxBytes: -1 } })).toContain("lookup.maxBytes");
    expect(refusal({ retention: { maxEntries: 0 } })).toContain("maxEntries");
  });

  test("read-only keeps no handle cache, whatever the option says", () => {
    expect(resolveStoreOptions({ readOnly: true, handleCache: { maxEntries: 10 } }).handleCache.maxEntries).toBe(0);
  });
});
