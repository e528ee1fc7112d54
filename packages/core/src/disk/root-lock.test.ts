// The root's writer lock, by doing it: real processes hold it, race for it and are
// SIGKILLed; a second writer must fail at once with `locked` naming the holder.
import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { type LineChild, makeEntry, spawnScript, tempDir } from "@reflex/testkit";
import { cleanupTestState } from "../../test/helpers.ts";
import { isStoreError, type StoreError } from "../contract/store-error.ts";
import { NvmeStorage } from "../store/nvme-storage.ts";

const children: LineChild[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.process.kill("SIGKILL");
    await child.process.exited;
  }
  cleanupTestState();
});

function holder(root: string, owner = "lock-holder"): LineChild {
  const child = spawnScript(join(import.meta.dir, "..", "..", "test", "fixtures", "lock-holder.ts"), [root, owner]);
  children.push(child);
  return child;
}

async function command(child: LineChild, line: string): Promise<void> {
  const before = child.lines.filter((l) => l === "ok").length;
  child.process.stdin.write(`${line}\n`);
  await child.process.stdin.flush();
  for (let i = 0; i < 500 && child.lines.filter((l) => l === "ok").length === before; i++) await Bun.sleep(10);
  expect(child.lines.filter((l) => l === "ok").length).toBe(before + 1);
}

function openError(root: string): StoreError | undefined {
  try {
    new NvmeStorage(root).close();
    return undefined;
  } catch (error) {
    if (isStoreError(error)) return error;
    throw error;
  }
}

describe("one writer per root", () => {
  test("a second writing process fails at once with locked, naming the holder's pid and name", async () => {
    const root = join(tempDir(), "root");
    const child = holder(root, "reflex serve");
    await child.waitFor("ready");
    const error = openError(root); // synchronous: it never waits for the holder
    expect(error?.code).toBe("locked");
    expect(error?.holder).toEqual({ pid: child.process.pid, name: "reflex serve" });
    expect(error?.message).toContain(`pid ${child.process.pid}`);
    // And another process gets the same answer.
    const second = holder(root);
    await second.stdoutClosed;
    expect(second.lines).toEqual([`locked ${child.process.pid}`]);
  });

  test("a SIGKILLed holder leaves no stale lock: the next writer opens at once, 10 kills in a row", async () => {
    const root = join(tempDir(), "root");
    for (let kill = 0; kill < 10; kill++) {
      const child = holder(root);
      await child.waitFor("ready");
      expect(openError(root)?.code).toBe("locked");
      child.process.kill("SIGKILL");
      await child.process.exited;
      expect(openError(root)).toBeUndefined();
    }
    expect(readdirSync(root)).toEqual([".reflex-lock"]);
  });

  test("a read-only store works beside a writer process, never serves what it removed, and refuses writes", async () => {
    const root = join(tempDir(), "root");
    const child = holder(root);
    await child.waitFor("ready");
    await command(child, "put 45 hello");
    const reader = new NvmeStorage(root, { readOnly: true });
    expect(reader.readOnly).toBe(true);
    expect(new TextDecoder().decode(reader.loadSync(45n, 1n).payloadBlob)).toBe("hello");
    expect(reader.liveStats().entryCount).toBe(1);
    await command(child, "rm 45");
    expect(reader.existsSync(45n, 1n)).toBe(false);
    expect(() => reader.loadSync(45n, 1n)).toThrow(expect.objectContaining({ code: "not_found" }));
    expect(reader.liveStats().entryCount).toBe(0); // a fresh scan: it hears of no writes
    await command(child, "put 45 again");
    expect(new TextDecoder().decode(reader.loadSync(45n, 1n).payloadBlob)).toBe("again");
    for (const write of [
      () => reader.storeSync(1n, makeEntry()),
      () => reader.deleteSync(45n, 1n),
      () => reader.cleanupEmptyTenantDirsSync(),
      () => reader.sweepTempFiles(),
    ]) {
      expect(write).toThrow(expect.objectContaining({ code: "read_only" }));
    }
    await expect(reader.gc()).rejects.toMatchObject({ code: "read_only" });
    expect(new TextDecoder().decode(reader.loadSync(45n, 1n).payloadBlob)).toBe("again");
    reader.close();
  });

  test("stores of one process share its lock; the root is free for another process once all are closed", async () => {
    const root = join(tempDir(), "root");
    const first = new NvmeStorage(root);
    first.ensureStoragePath();
    const second = new NvmeStorage(root);
    second.storeSync(1n, makeEntry()).release();
    first.close();
    const blocked = holder(root);
    await blocked.stdoutClosed;
    expect(blocked.lines).toEqual([`locked ${process.pid}`]);
    second.close();
    const next = holder(root);
    await next.waitFor("ready");
    // A closed store stays usable: its next write takes the lock again, and here it is taken.
    expect(() => second.storeSync(2n, makeEntry())).toThrow(expect.objectContaining({ code: "locked" }));
  });

  test("8 processes racing to open one root: exactly one becomes the writer, 5 rounds", async () => {
    for (let round = 0; round < 5; round++) {
      const root = join(tempDir(), "root");
      const racers = Array.from({ length: 8 }, () => holder(root));
      const outcomes = await Promise.all(
        racers.map(async (child) => {
          for (let i = 0; i < 1000 && child.lines.length === 0; i++) await Bun.sleep(10);
          return child.lines[0] ?? "";
        }),
      );
      const winners = racers.filter((_, i) => outcomes[i] === "ready");
      expect(winners.length).toBe(1);
      const pid = winners[0]?.process.pid;
      expect(outcomes.filter((line) => line === `locked ${pid}`).length).toBe(7);
      for (const child of children.splice(0)) {
        child.process.kill("SIGKILL");
        await child.process.exited;
      }
    }
  }, 120_000);

  test("the lock dies with its process even when a child process it spawned lives on", async () => {
    const root = join(tempDir(), "root");
    const child = holder(root);
    await child.waitFor("ready");
    await command(child, "spawn");
    const grandchild = Number(child.lines.find((line) => line.startsWith("grandchild "))?.split(" ")[1]);
    try {
      child.process.kill("SIGKILL");
      await child.process.exited;
      expect(() => process.kill(grandchild, 0)).not.toThrow(); // still alive
      expect(openError(root)).toBeUndefined();
    } finally {
      process.kill(grandchild, "SIGKILL");
    }
  });
});
