import { afterEach, describe, expect, test } from "bun:test";
import { closeSync, constants, openSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { removeTestDirs, tempDir } from "../../test/helpers.ts";
import { fdWriter, LineWriter, MAX_QUEUED_BYTES } from "./line-writer.ts";

afterEach(removeTestDirs);

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

describe("fdWriter on a pipe nobody reads", () => {
  test("queues at most MAX_QUEUED_BYTES, drops whole lines past it, and never throws", async () => {
    const fifo = join(tempDir(), "log.fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    // Both ends non-blocking and nobody reading: the pipe fills at 64 KiB, then every write meets EAGAIN.
    const readEnd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeEnd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    try {
      const writer = fdWriter(writeEnd);
      const line = `${"x".repeat(1023)}\n`;
      const lines = 12 * 1024; // 12 MiB
      for (let i = 0; i < lines; i++) writer.write(line);
      expect(writer.failed).toBe(false);
      // At most the pipe's buffer (1 MiB at most on Linux) and MAX_QUEUED_BYTES are kept; the rest is dropped.
      expect(writer.dropped).toBeGreaterThanOrEqual(lines - (MAX_QUEUED_BYTES + 1024 * 1024) / 1024);
      const first = new Uint8Array(4096);
      expect(readSync(readEnd, first, 0, first.length, null)).toBe(4096);
      expect(new TextDecoder().decode(first)).toBe(line.repeat(4)); // whole lines, in order
      // Read the rest so the writer's queue empties (its retries stop) before the descriptors close.
      const chunk = new Uint8Array(1 << 20);
      let received = 4096;
      for (let idle = 0; idle < 5; ) {
        let read = 0;
        try {
          read = readSync(readEnd, chunk, 0, chunk.length, null);
        } catch {
          read = 0; // EAGAIN: nothing there right now
        }
        received += read;
        idle = read === 0 ? idle + 1 : 0;
        if (read === 0) await Bun.sleep(20);
      }
      expect(received).toBe((lines - writer.dropped) * 1024); // everything not dropped arrived
    } finally {
      closeSync(writeEnd);
      closeSync(readEnd);
    }
  });
});
