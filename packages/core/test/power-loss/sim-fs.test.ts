import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { makeEntry } from "@reflex/testkit";
import { TEMP_OPEN_FLAGS } from "../../src/disk/file-ops.ts";
import { NvmeStorage } from "../../src/store/nvme-storage.ts";
import { scratchDir } from "./scratch.ts";
import { SimFs, seededRandom } from "./sim-fs.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sim(): SimFs {
  const base = scratchDir("reflex-simfs-");
  dirs.push(base);
  return new SimFs(base);
}

const keepNothing = () => 0; // every unsynced change lost, every torn page old
const keepEverything = () => 0.99;

function writeFile(fs: SimFs, path: string, bytes: Uint8Array, fsync: boolean): void {
  const fd = fs.openSync(path, TEMP_OPEN_FLAGS, 0o644);
  fs.writeSync(fd, bytes, 0, bytes.byteLength, 0);
  if (fsync) fs.fsyncSync(fd);
  fs.closeSync(fd);
}

describe("SimFs", () => {
  test("writes go through to the page cache directory", () => {
    const fs = sim();
    writeFile(fs, `${fs.base}/a`, new Uint8Array([1, 2, 3]), false);
    expect([...readFileSync(`${fs.base}/a`)]).toEqual([1, 2, 3]);
  });

  test("a name is durable only after an fsync of its directory; data only after an fsync of the file", () => {
    const fs = sim();
    fs.mkdirSync(`${fs.base}/d`);
    expect(fs.crashImage(keepNothing).size).toBe(0);
    const dirFd = fs.openSync(fs.base, 0);
    fs.fsyncSync(dirFd);
    writeFile(fs, `${fs.base}/d/f`, new Uint8Array(5000).fill(7), false);
    expect(fs.crashImage(keepNothing).has("d/f")).toBe(false);
    const subFd = fs.openSync(`${fs.base}/d`, 0);
    fs.fsyncSync(subFd);
    // Named, but its data never synced: empty (or torn) after the cut.
    expect(fs.crashImage(keepNothing).get("d/f")?.byteLength).toBe(0);
    expect(fs.crashImage(keepEverything).get("d/f")?.byteLength).toBe(5000);
    fs.closeSync(dirFd);
    fs.closeSync(subFd);
  });

  test("unsynced data may be torn at 4 KiB pages", () => {
    const fs = sim();
    writeFile(fs, `${fs.base}/f`, new Uint8Array(8192).fill(1), true);
    const dirFd = fs.openSync(fs.base, 0);
    fs.fsyncSync(dirFd);
    const fd = fs.openSync(`${fs.base}/f`, 1);
    fs.writeSync(fd, new Uint8Array(8192).fill(2), 0, 8192, 0);
    const seen = new Set<string>();
    const random = seededRandom(1);
    for (let i = 0; i < 64; i++) {
      const data = fs.crashImage(random).get("f") as Uint8Array;
      seen.add(`${data[0]}${data[4096]}`);
    }
    expect([...seen].sort()).toEqual(["11", "12", "21", "22"]);
    fs.closeSync(fd);
    fs.closeSync(dirFd);
  });

  test("a store's first TTL write leaves a durable TTL marker", () => {
    const fs = sim();
    const store = new NvmeStorage(`${fs.base}/store`, { fileOps: fs, lookup: false });
    store.storeSync(1n, makeEntry({ tenantId: 1n }), { ttlSeconds: 3600 });
    store.close();
    const image = fs.crashImage(keepNothing);
    expect(image.has("store/.reflex-ttl")).toBe(true);
    expect(image.has("store/1/1.rfx")).toBe(true);
  });
});
