import { describe, expect, test } from "bun:test";
import { DroppedEntries } from "./dropped-entries.ts";

describe("DroppedEntries", () => {
  test("counts each left-out entry once, per tenant, and forgets a tenant whose last one goes", () => {
    const dropped = new DroppedEntries();
    dropped.mark(1n, 10n);
    dropped.mark(1n, 10n);
    dropped.mark(1n, 11n);
    dropped.mark(2n, 10n);
    expect(dropped.count).toBe(3);
    expect(dropped.has(1n, 11n)).toBe(true);
    expect(dropped.has(2n, 11n)).toBe(false);
    expect([...(dropped.of(1n) ?? [])]).toEqual([10n, 11n]);
    dropped.unmark(1n, 10n);
    dropped.unmark(1n, 99n);
    dropped.unmark(1n, 11n);
    expect(dropped.of(1n)).toBeUndefined();
    expect(dropped.count).toBe(1);
  });

  test("forgetTenant drops every entry of that tenant and nothing else", () => {
    const dropped = new DroppedEntries();
    for (let id = 0n; id < 5n; id++) dropped.mark(7n, id);
    dropped.mark(8n, 0n);
    dropped.forgetTenant(7n);
    dropped.forgetTenant(9n);
    expect(dropped.count).toBe(1);
    expect(dropped.of(7n)).toBeUndefined();
    expect(dropped.has(8n, 0n)).toBe(true);
  });
});
