import { describe, expect, test } from "bun:test";
import { LruList, type LruNode } from "./lru-list.ts";

interface Item extends LruNode {
  readonly name: string;
}

const item = (name: string): Item => ({ name, older: null, newer: null });
const names = (list: LruList<Item>): string[] => [...list.fromOldest()].map((node) => node.name);

describe("LruList", () => {
  test("push appends at the recent end; oldest is the first pushed", () => {
    const list = new LruList<Item>();
    expect(list.oldest).toBeNull();
    for (const name of ["a", "b", "c"]) list.push(item(name));
    expect(names(list)).toEqual(["a", "b", "c"]);
    expect(list.oldest?.name).toBe("a");
    expect(list.length).toBe(3);
  });

  test("touch moves a node to the recent end, from the front, the middle or the end", () => {
    const list = new LruList<Item>();
    const [a, b, c] = [item("a"), item("b"), item("c")];
    for (const node of [a, b, c]) list.push(node);
    list.touch(a);
    expect(names(list)).toEqual(["b", "c", "a"]);
    list.touch(c);
    expect(names(list)).toEqual(["b", "a", "c"]);
    list.touch(c);
    expect(names(list)).toEqual(["b", "a", "c"]);
    expect(list.length).toBe(3);
  });

  test("remove unlinks any node and keeps the ends right", () => {
    const list = new LruList<Item>();
    const [a, b, c] = [item("a"), item("b"), item("c")];
    for (const node of [a, b, c]) list.push(node);
    list.remove(b);
    expect(names(list)).toEqual(["a", "c"]);
    list.remove(a);
    expect(list.oldest).toBe(c);
    list.remove(c);
    expect(list.oldest).toBeNull();
    expect(list.length).toBe(0);
    list.push(b);
    expect(names(list)).toEqual(["b"]);
  });

  test("a long list keeps its order through many random touches and removals", () => {
    const list = new LruList<Item>();
    const model: Item[] = [];
    const nodes = Array.from({ length: 500 }, (_, i) => item(`n${i}`));
    for (const node of nodes) {
      list.push(node);
      model.push(node);
    }
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let step = 0; step < 5000; step++) {
      const node = model[next() % model.length] as Item;
      model.splice(model.indexOf(node), 1);
      if (step % 5 === 0) {
        list.remove(node);
        list.push(node);
      } else {
        list.touch(node);
      }
      model.push(node);
    }
    expect(names(list)).toEqual(model.map((node) => node.name));
    list.clear();
    expect([list.length, list.oldest]).toEqual([0, null]);
  });
});
