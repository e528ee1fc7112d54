// The temp-file sweep, with real processes: a dead writer's temp file goes, a live
// writer's stays while young, anything not named by the store is left alone.
import { afterEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import { join } from "node:path";
import { removeTempDirs, tempDir } from "@reflex/testkit";
import { NvmeStorage } from "../store/nvme-storage.ts";
import { nodeFileOps } from "./file-ops.ts";
import { tempFileName } from "./layout.ts";
import { sweepTempFiles } from "./temp-sweep.ts";

const children: Bun.Subprocess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill("SIGKILL");
    await child.exited;
  }
  removeTempDirs();
});

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = Bun.spawn([process.execPath, "-e", ""]);
  await child.exited;
  expect(() => process.kill(child.pid, 0)).toThrow();
  return child.pid;
}

/** The pid of a live child that sleeps until the test ends. */
function livePid(): number {
  const child = Bun.spawn([process.execPath, "-e", "setInterval(() => {}, 1000)"]);
  children.push(child);
  return child.pid;
}

/** A temp file name the store would make for `entryId`, as if written by `pid`. */
function tempNameOf(entryId: bigint, pid: number): string {
  const name = tempFileName(entryId);
  const ours = `${entryId}.${process.pid}.`;
  expect(name.startsWith(ours)).toBe(true);
  return `${entryId}.${pid}.${name.slice(ours.length)}`;
}

function touch(path: string, ageMs = 0): string {
  fs.writeFileSync(path, "partial write");
  if (ageMs > 0) {
    const then = (Date.now() - ageMs) / 1000;
    fs.utimesSync(path, then, then);
  }
  return path;
}

const HOUR = 60 * 60 * 1000;

describe("sweep when a store opens", () => {
  test("removes dead writers' and old temp files, keeps young live ones, leaves foreign files alone", async () => {
    const root = tempDir();
    const tenant = join(root, "12");
    fs.mkdirSync(tenant);
    const dead = await deadPid();
    const live = livePid();

    const removed = [
      touch(join(tenant, tempNameOf(1n, dead))),
      touch(join(tenant, tempNameOf(2n, dead)), 2 * HOUR),
      touch(join(tenant, tempNameOf(3n, live)), 2 * HOUR), // live pid, but no write takes that long (pid reuse)
      touch(join(tenant, tempNameOf(4n, process.pid)), 2 * HOUR), // ours, and old
    ];
    const kept = [
      touch(join(tenant, tempNameOf(5n, live))),
      touch(join(tenant, tempNameOf(6n, live)), 10_000),
      touch(join(tenant, tempNameOf(7n, process.pid))), // ours, young: an in-flight write of this process
    ];
    fs.mkdirSync(join(root, "junk"));
    fs.mkdirSync(join(tenant, "sub"));
    const directoryNamedLikeATemp = join(tenant, tempNameOf(8n, dead));
    fs.mkdirSync(directoryNamedLikeATemp);
    const foreign = [
      touch(join(tenant, "notes.tmp")),
      touch(join(tenant, "9.tmp")),
      touch(join(tenant, `x.${dead}.0badc0de-1.tmp`)),
      touch(join(tenant, `9.${dead}.0badc0de.tmp`)),
      touch(join(tenant, `${tempNameOf(9n, dead)}.bak`)),
      touch(join(root, tempNameOf(9n, dead))), // not in a tenant dir
      touch(join(root, "junk", tempNameOf(9n, dead))), // in a non-tenant dir
      touch(join(tenant, "sub", tempNameOf(9n, dead))), // nested below a tenant dir
    ];

    const store = new NvmeStorage(root, { staleTempAfterMs: HOUR });
    expect(store.sweep).toEqual({ removed: removed.length, kept: kept.length });
    for (const path of removed) expect({ path, exists: fs.existsSync(path) }).toEqual({ path, exists: false });
    for (const path of [...kept, ...foreign])
      expect({ path, exists: fs.existsSync(path) }).toEqual({ path, exists: true });
    expect(fs.statSync(directoryNamedLikeATemp).isDirectory()).toBe(true);

    // Once the live writer's files age past the limit they go too.
    for (const path of kept) {
      const then = (Date.now() - 2 * HOUR) / 1000;
      fs.utimesSync(path, then, then);
    }
    expect(store.sweepTempFiles()).toEqual({ removed: kept.length, kept: 0 });
    for (const path of foreign) expect(fs.existsSync(path)).toBe(true);
  });

  test("a writer that died is swept even when its file is brand new; its pid alive, the file is kept", async () => {
    const root = tempDir();
    fs.mkdirSync(join(root, "3"));
    const dead = touch(join(root, "3", tempNameOf(1n, await deadPid())));
    const alive = touch(join(root, "3", tempNameOf(1n, livePid())));
    const store = new NvmeStorage(root);
    expect(store.sweep).toEqual({ removed: 1, kept: 1 });
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(alive)).toBe(true);
  });

  test("sweepTempFiles: false skips the sweep; sweepTempFiles() runs it on demand", async () => {
    const root = tempDir();
    fs.mkdirSync(join(root, "3"));
    const dead = touch(join(root, "3", tempNameOf(1n, await deadPid())));
    const store = new NvmeStorage(root, { sweepTempFiles: false });
    expect(store.sweep).toEqual({ removed: 0, kept: 0 });
    expect(fs.existsSync(dead)).toBe(true);
    expect(store.sweepTempFiles()).toEqual({ removed: 1, kept: 0 });
    expect(fs.existsSync(dead)).toBe(false);
  });

  test("a missing root sweeps nothing and does not throw", () => {
    const root = join(tempDir(), "not", "there");
    expect(new NvmeStorage(root).sweep).toEqual({ removed: 0, kept: 0 });
    expect(fs.existsSync(root)).toBe(false);
  });

  test("a pid out of any process range counts as dead", () => {
    const root = tempDir();
    fs.mkdirSync(join(root, "3"));
    const path = touch(join(root, "3", tempNameOf(1n, 99_999_999_999)));
    expect(sweepTempFiles(root, nodeFileOps, HOUR)).toEqual({ removed: 1, kept: 0 });
    expect(fs.existsSync(path)).toBe(false);
  });

  test("a temp file that cannot be removed is neither counted removed nor fatal", async () => {
    const root = tempDir();
    fs.mkdirSync(join(root, "3"));
    const path = touch(join(root, "3", tempNameOf(1n, await deadPid())));
    const ops = {
      ...nodeFileOps,
      unlinkSync: () => {
        throw Object.assign(new Error("EACCES"), { code: "EACCES" });
      },
    };
    expect(sweepTempFiles(root, ops, HOUR)).toEqual({ removed: 0, kept: 0 });
    expect(fs.existsSync(path)).toBe(true);
  });

  test("a store's own in-flight write survives another store opening on the same root", async () => {
    const root = tempDir();
    const store = new NvmeStorage(root);
    let opened: NvmeStorage | undefined;
    // Open a second store (and so sweep) while the first store's temp file exists.
    const ops = {
      ...nodeFileOps,
      fsync: async (fd: number) => {
        opened ??= new NvmeStorage(root);
        await nodeFileOps.fsync(fd);
      },
    };
    const writer = new NvmeStorage(root, { fileOps: ops });
    const entry = {
      tenantId: 3n,
      contextHash: 1n,
      timestamp: 1n,
      embedding: new Uint8Array(4),
      payloadBlob: new Uint8Array(100).fill(7),
    };
    (await writer.store(1n, entry)).release();
    expect(opened?.sweep).toEqual({ removed: 0, kept: 1 });
    const handle = store.loadSync(1n, 3n);
    expect(handle.payloadBlob).toEqual(entry.payloadBlob);
    handle.release();
  });
});
