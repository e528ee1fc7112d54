import { describe, expect, test } from "bun:test";
import type { Unplaced } from "./unplaced.ts";
import { UnplacedWrites } from "./unplaced.ts";

const item = (tenantId: bigint, entryId: bigint, lsn: number, size = 10): Unplaced => ({
  tenantId,
  entryId,
  lsn,
  bytes: new Uint8Array(size),
  headerBytes: 40,
  expiresAt: 0n,
});

describe("UnplacedWrites", () => {
  test("holds the last word on each key and counts its bytes", () => {
    const writes = new UnplacedWrites();
    const first = item(1n, 1n, 10, 100);
    const second = item(1n, 1n, 20, 30);
    expect(writes.set("1/1", first)).toBe(true);
    expect(writes.set("1/1", second)).toBe(true);
    expect(writes.set("1/2", item(1n, 2n, 30, 5))).toBe(true);
    expect(writes.get("1/1")).toBe(second);
    expect(writes.size).toBe(2);
    expect(writes.bytes).toBe(35);
  });

  test("placing an older item keeps the newer one; placing the current one forgets it", () => {
    const writes = new UnplacedWrites();
    const first = item(1n, 1n, 10);
    const second = item(1n, 1n, 20);
    writes.set("1/1", first);
    writes.set("1/1", second);
    expect(writes.isCurrent("1/1", first)).toBe(false);
    writes.placed("1/1", first);
    expect(writes.get("1/1")).toBe(second);
    writes.placed("1/1", second);
    expect(writes.get("1/1")).toBeUndefined();
    expect(writes.bytes).toBe(0);
  });

  test("remove forgets a key and returns what it held", () => {
    const writes = new UnplacedWrites();
    const only = item(2n, 7n, 10);
    writes.set("2/7", only);
    expect(writes.remove("2/7")).toBe(only);
    expect(writes.remove("2/7")).toBeUndefined();
    expect(writes.size).toBe(0);
  });

  test("a tenant cut drops the tenant's items, and refuses its records logged before the cut", () => {
    const writes = new UnplacedWrites();
    writes.set("1/1", item(1n, 1n, 10));
    writes.set("2/1", item(2n, 1n, 11));
    writes.cutTenant(1n, 15);
    expect(writes.get("1/1")).toBeUndefined();
    expect(writes.get("2/1")).toBeDefined();
    expect(writes.set("1/2", item(1n, 2n, 14))).toBe(false); // logged before the deletion, applied after
    expect(writes.set("1/3", item(1n, 3n, 16))).toBe(true); // logged after it
    expect([...writes.ofTenant(1n)].map((each) => each.entryId)).toEqual([3n]);
    writes.clearCuts();
    expect(writes.set("1/2", item(1n, 2n, 14))).toBe(true);
  });
});
