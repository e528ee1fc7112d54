import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { removeTempDirs, tempDir } from "@reflex/testkit";
import { type FileOps, nodeFileOps } from "../disk/file-ops.ts";
import { WAL_DIR } from "../disk/layout.ts";
import { walRecord } from "./wal-format.ts";
import { WriteAheadLog } from "./write-ahead-log.ts";

afterEach(removeTempDirs);

const LIMITS = { maxBytes: 1 << 30, maxAgeMs: 0, maxUnplacedBytes: 1 << 30, preallocateBytes: 4096 };

const eio = () => Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });

/** Real file ops whose fsyncs (on the thread pool and on this thread) fail with EIO while `failing` is set. */
function failingOps(): { ops: FileOps; fail: (on: boolean) => void } {
  let failing = false;
  const ops: FileOps = {
    ...nodeFileOps,
    fsync: async (fd, dataOnly) => {
      if (failing) throw eio();
      await nodeFileOps.fsync(fd, dataOnly);
    },
    fsyncSync: (fd, dataOnly) => {
      if (failing) throw eio();
      nodeFileOps.fsyncSync(fd, dataOnly);
    },
  };
  return { ops, fail: (on) => (failing = on) };
}

describe("a checkpoint that fails", () => {
  test("keeps its segments: their keys stay held, their records on disk, and the next checkpoint removes them", async () => {
    const root = tempDir();
    const { ops, fail } = failingOps();
    const log = new WriteAheadLog(root, ops, LIMITS);
    await log.append(walRecord("delete", 1n, 1n), "1/1", null, root, true, () => undefined);
    fail(true);
    await expect(log.checkpoint()).rejects.toThrow("EIO");
    expect(log.holds("1/1")).toBe(true); // a later write or delete of the key still goes through the log
    expect(log.active).toBe(true);
    expect(readdirSync(`${root}/${WAL_DIR}`).length).toBe(1);
    fail(false);
    await log.checkpoint();
    expect(log.holds("1/1")).toBe(false);
    expect(log.active).toBe(false);
    log.close();
  });

  test("one that cannot even start (the log's own fsync fails) rejects: its callers are timers, a throw would be uncaught", async () => {
    const root = tempDir();
    const { ops, fail } = failingOps();
    const log = new WriteAheadLog(root, ops, LIMITS);
    await log.append(walRecord("delete", 1n, 1n), "1/1", null, root, false, () => undefined); // written, not fsynced
    fail(true);
    let checkpoint: Promise<void> | undefined;
    expect(() => {
      checkpoint = log.checkpoint();
    }).not.toThrow();
    await expect(checkpoint as Promise<void>).rejects.toThrow("EIO");
    fail(false);
    log.close();
  });
});
