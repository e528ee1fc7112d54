import { describe, expect, test } from "bun:test";
import { bucketKeys, bucketOf, entryKey, entryScriptKeys, id20, namespaceKeys } from "./layout.ts";

describe("layout", () => {
  test("id20 pads to 20 digits so string order is numeric order, at both ends of u64", () => {
    expect(id20(0n)).toBe("00000000000000000000");
    expect(id20(0xffff_ffff_ffff_ffffn)).toBe("18446744073709551615");
    const ids = [10n, 9n, 100n, 0xffff_ffff_ffff_ffffn, 0n];
    expect(ids.map(id20).sort()).toEqual([0n, 9n, 10n, 100n, 0xffff_ffff_ffff_ffffn].map(id20));
  });

  test("a bucket's keys share one hash tag; tenants and buckets differ", () => {
    const keys = bucketKeys("ns", 7n, 3);
    const tags = [keys.ids, keys.exp, keys.sizes, keys.usage, keys.entryPrefix].map((k) =>
      k.slice(0, k.indexOf("}") + 1),
    );
    expect(new Set(tags)).toEqual(new Set(["{ns:t7:b3}"]));
    expect(bucketKeys("ns", 7n, 4).ids).not.toBe(keys.ids);
    expect(bucketKeys("ns", 70n, 3).ids).not.toBe(keys.ids);
    expect(entryKey("ns", 7n, 19n, 16)).toBe(`${keys.entryPrefix}${id20(19n)}`);
    expect(namespaceKeys("ns")).toEqual({ config: "{ns}:config", tenants: "{ns}:tenants" });
    expect(entryScriptKeys(keys, id20(19n))).toEqual([
      entryKey("ns", 7n, 19n, 16),
      keys.ids,
      keys.exp,
      keys.sizes,
      keys.usage,
      keys.log,
    ]);
  });

  test("bucketOf is id mod K, exact for ids past 2^53", () => {
    expect(bucketOf(0xffff_ffff_ffff_ffffn, 16)).toBe(15);
    expect(bucketOf(2n ** 53n + 1n, 2)).toBe(1);
  });
});
