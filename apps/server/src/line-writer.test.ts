import { describe, expect, test } from "bun:test";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../test/helpers.ts";
import { fdWriter, LineWriter } from "./line-writer.ts";

describe("LineWriter", () => {
  test("lines of 10 ms go out in one write, in order", async () => {
    const writes: string[] = [];
    const writer = new LineWriter({ write: (text: string) => writes.push(text) });
    for (let i = 0; i < 100; i++) writer.write(`line ${i}\n`);
    expect(writes).toEqual([]);
    await Bun.sleep(30);
    expect(writes).toHaveLength(1);
    expect(writes[0]?.split("\n").slice(0, 3)).toEqual(["line 0", "line 1", "line 2"]);
    expect(writes[0]?.split("\n")).toHaveLength(101);
  });

  test("64 KiB waiting goes out at once; flush() writes the rest now", () => {
    const writes: string[] = [];
    const writer = new LineWriter({ write: (text: string) => writes.push(text) });
    const big = `${"x".repeat(1023)}\n`;
    for (let i = 0; i < 64; i++) writer.write(big);
    expect(writes).toHaveLength(1);
    writer.write("tail\n");
    writer.flush();
    expect(writes).toEqual([big.repeat(64), "tail\n"]);
    writer.flush();
    expect(writes).toHaveLength(2);
  });

  test("an exit listener only while lines wait (many writers leave none behind)", () => {
    const before = process.listenerCount("exit");
    const writers = Array.from({ length: 20 }, () => new LineWriter({ write() {} }));
    for (const writer of writers) writer.write("x\n");
    expect(process.listenerCount("exit")).toBe(before + 20);
    for (const writer of writers) writer.flush();
    expect(process.listenerCount("exit")).toBe(before);
  });

  test("fdWriter writes whole texts to the descriptor, multi-byte characters too (a full pipe: test/observability.test.ts)", () => {
    const path = join(tempDir(), "log");
    const fd = openSync(path, "w");
    const writer = fdWriter(fd);
    writer.write("première ligne\n");
    writer.write(`${"é".repeat(100_000)}\n`);
    closeSync(fd);
    expect(readFileSync(path, "utf8")).toBe(`première ligne\n${"é".repeat(100_000)}\n`);
  });
});
