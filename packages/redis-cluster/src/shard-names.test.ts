import { expect, test } from "bun:test";
import { type ClusterSlotsEntry, ShardNames } from "./shard-names.ts";

const node = (port: number, id: string) => ["127.0.0.1", port, id, []];

test("a shard is named by the slot ranges its master serves, in one reply", () => {
  const names = new ShardNames();
  const reply: ClusterSlotsEntry[] = [
    [5461, 10922, node(7001, "b"), node(7004, "e")],
    [0, 100, node(7000, "a"), node(7003, "d")],
    [10923, 16383, node(7002, "c")],
    [101, 5460, node(7000, "a"), node(7003, "d")],
  ];
  names.update(reply);
  expect([0, 100, 101, 5460].map((slot) => names.of(slot))).toEqual(Array(4).fill("0-100,101-5460"));
  expect(names.of(5461)).toBe("5461-10922");
  expect(names.of(16383)).toBe("10923-16383");
});

test("a promotion keeps the name: the promoted replica serves the same slots at another address", () => {
  const names = new ShardNames();
  names.update([
    [0, 5460, node(7000, "a"), node(7003, "d")],
    [5461, 16383, node(7001, "b")],
  ]);
  const before = names.of(42);
  names.update([
    [0, 5460, node(7003, "d")],
    [5461, 16383, node(7001, "b")],
  ]);
  expect(names.of(42)).toBe(before);
  expect(before).toBe("0-5460");
});

test("one slot alone, and a slot no reply covered", () => {
  const names = new ShardNames();
  expect(names.of(7)).toBe("slot 7");
  names.update([
    [7, 7, node(7000, "a")],
    [9, 16383, node(7001, "b")],
  ]);
  expect(names.of(7)).toBe("7");
  expect(names.of(8)).toBe("slot 8");
});
