import { describe, expect, test } from "bun:test";
import { SeededRandom } from "@reflex/testkit";
import { EntryTable, type TenantRow } from "./entry-table.ts";

const info = (bytes: number, at: number, expiresAt = 0n) => ({ bytes, lastAccessMs: at, expiresAt });

/** A tenant's ids from least to most recently used, by walking the table's list. */
function order(table: EntryTable, row: TenantRow): bigint[] {
  const ids: bigint[] = [];
  for (let slot = row.oldest; slot !== -1; slot = table.newerThan(slot)) ids.push(table.entryId(slot));
  return ids;
}

describe("EntryTable", () => {
  test("add, find, touch and remove keep each tenant's LRU order and counts", () => {
    const table = new EntryTable();
    const a = table.tenant(1n);
    const b = table.tenant(2n);
    for (const id of [10n, 11n, 12n]) table.add(a, id, info(100, Number(id)));
    table.add(b, 10n, info(7, 1));
    expect(order(table, a)).toEqual([10n, 11n, 12n]);
    table.touch(a, table.find(a, 10n), 99);
    expect(order(table, a)).toEqual([11n, 12n, 10n]);
    expect(table.lastAccessMs(table.find(a, 10n))).toBe(99);
    table.remove(table.find(a, 12n));
    expect(order(table, a)).toEqual([11n, 10n]);
    expect([a.entries, a.bytes, b.entries, b.bytes, table.size]).toEqual([2, 200, 1, 7, 3]);
    expect(table.find(a, 12n)).toBe(-1);
    expect(table.tenantOf(table.find(b, 10n)).tenantId).toBe(2n);
  });

  test("sizes and expiries saturate at 2^32 - 1; expiredSlots finds what is due", () => {
    const table = new EntryTable();
    const row = table.tenant(1n);
    const big = table.add(row, 1n, info(2 ** 40, 0, 2n ** 40n));
    const due = table.add(row, 2n, info(1, 0, 500n));
    table.add(row, 3n, info(1, 0, 0n));
    expect(table.info(big)).toEqual({ bytes: 0xffff_ffff, lastAccessMs: 0, expiresAt: 0xffff_ffffn });
    expect(table.expiredSlots(500)).toEqual([due]);
    expect(table.expiredSlots(499)).toEqual([]);
  });

  test("flags are set once and cleared by unflag or by removing the slot", () => {
    const table = new EntryTable();
    const row = table.tenant(1n);
    const slot = table.add(row, 1n, info(1, 0));
    expect([table.flag(slot), table.flag(slot), table.unflag(slot), table.unflag(slot)]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    table.flag(slot);
    table.remove(slot);
    const reused = table.add(row, 2n, info(1, 0));
    expect(reused).toBe(slot);
    expect(table.unflag(reused)).toBe(false);
  });

  test("matches a simple model through 20,000 random operations on 64-bit ids, growing past its first capacity", () => {
    const random = new SeededRandom(2026);
    const table = new EntryTable();
    const model = new Map<bigint, bigint[]>(); // tenant -> ids, least recently used first
    const pickId = (): bigint => random.u64();
    let clock = 0;
    for (let step = 0; step < 20_000; step++) {
      const tenantId = BigInt(random.below(5));
      const row = table.tenant(tenantId);
      const ids = model.get(tenantId) ?? [];
      model.set(tenantId, ids);
      const roll = random.below(10);
      if (roll < 5 || ids.length === 0) {
        const id = pickId();
        if (table.find(row, id) === -1) {
          table.add(row, id, info(1 + random.below(1000), clock++));
          ids.push(id);
        }
      } else {
        const id = ids[random.below(ids.length)] as bigint;
        const slot = table.find(row, id);
        expect(slot).not.toBe(-1);
        ids.splice(ids.indexOf(id), 1);
        if (roll < 8) {
          table.remove(slot);
        } else {
          table.touch(row, slot, clock++);
          ids.push(id);
        }
      }
    }
    let total = 0;
    for (const [tenantId, ids] of model) {
      const row = table.tenant(tenantId);
      expect(order(table, row)).toEqual(ids);
      expect(row.entries).toBe(ids.length);
      for (const id of ids) expect(table.entryId(table.find(row, id))).toBe(id);
      total += ids.length;
    }
    expect(table.size).toBe(total);
    expect(total).toBeGreaterThan(1024);
  });
});
