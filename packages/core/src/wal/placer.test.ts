import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { encodeEnvelope, readEnvelopeHeader } from "@reflex/codec";
import { makeEntry, removeTempDirs, sameBytes, tempDir } from "@reflex/testkit";
import { type FileOps, nodeFileOps } from "../disk/file-ops.ts";
import { NvmeStorage } from "../store/nvme-storage.ts";
import { Placer } from "./placer.ts";
import { type Unplaced, UnplacedWrites } from "./unplaced.ts";

afterEach(removeTempDirs);

function unplacedPut(tenantId: bigint, entryId: bigint, lsn: number, payload: string): Unplaced {
  const bytes = encodeEnvelope(entryId, makeEntry({ tenantId, payload }));
  return { tenantId, entryId, lsn, bytes, headerBytes: readEnvelopeHeader(bytes).headerBytes, expiresAt: 0n };
}

/** A placer over a fresh root with one tenant directory; `busy` says whether the log commits. */
function setUp(busy = () => false, ops: FileOps = nodeFileOps) {
  const root = tempDir();
  nodeFileOps.mkdirSync(`${root}/1`);
  const writes = new UnplacedWrites();
  const placer = new Placer(root, ops, writes, { busy, highWaterBytes: 1 << 30 });
  const add = (entryId: bigint, lsn: number, payload: string): Unplaced => {
    const item = unplacedPut(1n, entryId, lsn, payload);
    writes.set(`1/${entryId}`, item);
    placer.enqueue(`1/${entryId}`, item);
    return item;
  };
  return { root, writes, placer, add };
}

/** Real file ops whose first `count` async creates fail with ENOSPC (a full disk). */
function failingCreates(count: number): FileOps {
  let failures = count;
  return {
    ...nodeFileOps,
    open: async (path, flags, mode) => {
      if (failures-- > 0) throw Object.assign(new Error("ENOSPC"), { code: "ENOSPC" });
      return nodeFileOps.open(path, flags, mode);
    },
  };
}

describe("Placer", () => {
  test("puts each write in place, and only the last word on a key", async () => {
    const { root, writes, placer, add } = setUp();
    add(1n, 10, "old");
    const last = add(1n, 20, "new");
    const other = add(2n, 30, "other");
    await placer.through(30);
    expect(sameBytes(readFileSync(`${root}/1/1.rfx`), last.bytes)).toBe(true);
    expect(sameBytes(readFileSync(`${root}/1/2.rfx`), other.bytes)).toBe(true);
    expect(writes.size).toBe(0);
    expect(readdirSync(`${root}/1`).sort()).toEqual(["1.rfx", "2.rfx"]); // no temp file left
  });

  test("a write removed while it is being placed leaves no file behind", async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ops: FileOps = {
      ...nodeFileOps,
      open: async (path, flags, mode) => {
        await gate;
        return nodeFileOps.open(path, flags, mode);
      },
    };
    const { root, writes, placer, add } = setUp(() => false, ops);
    add(1n, 10, "deleted before it landed");
    const done = placer.through(10);
    writes.remove("1/1");
    release();
    await done;
    expect(readdirSync(`${root}/1`)).toEqual([]);
  });

  test("while the log commits it waits; a waiter, or placeAllSync, makes it place at once", async () => {
    const { root, placer, add } = setUp(() => true);
    add(1n, 10, "a");
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(existsSync(`${root}/1/1.rfx`)).toBe(false);
    await placer.through(10);
    expect(existsSync(`${root}/1/1.rfx`)).toBe(true);
    add(2n, 20, "b");
    placer.placeAllSync();
    expect(existsSync(`${root}/1/2.rfx`)).toBe(true);
  });

  test("a writer waiting for room is refused with the placement's error when one fails; the write is tried again", async () => {
    const { root, placer, add } = setUp(() => false, failingCreates(1));
    add(1n, 10, "full disk");
    await expect(placer.placed(10)).rejects.toMatchObject({ code: "io", errno: "ENOSPC" });
    await placer.through(10);
    expect(existsSync(`${root}/1/1.rfx`)).toBe(true);
    await placer.placed(10); // room again
  });

  test("a failed placement is tried again, and holds a checkpoint back until it lands", async () => {
    const { root, placer, add } = setUp(() => false, failingCreates(1));
    add(1n, 10, "retried");
    await placer.through(10);
    expect(existsSync(`${root}/1/1.rfx`)).toBe(true);
    expect(placer.lastError).not.toBeNull();
  });
});

describe("reads of a logged write before its file is in place", () => {
  test("load, exists, listing and loadMany see it; a delete after it wins; close puts it in place", async () => {
    const root = tempDir();
    // A high-water mark far away: the placer waits for a pause in the log's commits, and
    // the reads below run in the same turn as the acknowledgement, before any pause.
    const store = new NvmeStorage(root, { wal: { maxUnplacedBytes: 1 << 30 }, lookup: false });
    const handles = await Promise.all(
      [1n, 2n, 3n].map((id) => store.store(id, makeEntry({ tenantId: 1n, payload: `p${id}` }))),
    );
    for (const handle of handles) handle.release();
    expect(existsSync(`${root}/1/1.rfx`)).toBe(false);
    const payload = (id: bigint) => {
      const handle = store.loadSync(id, 1n);
      const text = new TextDecoder().decode(handle.payloadBlob);
      handle.release();
      return text;
    };
    expect(payload(2n)).toBe("p2");
    expect(store.existsSync(3n, 1n)).toBe(true);
    expect(store.listEntriesSync(1n)).toEqual([1n, 2n, 3n]);
    const many = store.loadManySync(1n, [1n, 9n]);
    expect(many.missing).toEqual([9n]);
    for (const handle of many.entries) handle.release();
    await store.delete(2n, 1n);
    expect(store.existsSync(2n, 1n)).toBe(false);
    expect(store.listEntriesSync(1n)).toEqual([1n, 3n]);
    store.close();
    expect(existsSync(`${root}/1/1.rfx`)).toBe(true);
    expect(existsSync(`${root}/1/2.rfx`)).toBe(false);
    expect(existsSync(`${root}/.reflex-wal`)).toBe(false);
    const reopened = new NvmeStorage(root, { lookup: false });
    expect((await reopened.verify()).problems).toEqual([]);
    expect(reopened.listEntriesSync(1n)).toEqual([1n, 3n]);
    reopened.close();
  });

  test("the lookup index built after a write not yet in place finds it by context and by embedding", async () => {
    const root = tempDir();
    const store = new NvmeStorage(root, { wal: { maxUnplacedBytes: 1 << 30 } });
    const entry = makeEntry({ tenantId: 1n, contextHash: 77n, payload: "p" });
    (await store.store(5n, entry)).release();
    expect(existsSync(`${root}/1/5.rfx`)).toBe(false); // the index is built on first use, below
    expect(await store.findByContext(1n, 77n)).toEqual([5n]);
    const hits = await store.search(1n, entry.embedding as Uint8Array, { k: 1 });
    expect(hits.map((hit) => hit.entryId)).toEqual([5n]);
    store.close();
  });

  test("a lookup index full of writes not yet in place still answers index_full: it does not take them for gone", async () => {
    const root = tempDir();
    const store = new NvmeStorage(root, { wal: { maxUnplacedBytes: 1 << 30 }, lookup: { maxBytes: 1000 } });
    const entry = makeEntry({ tenantId: 1n, payload: "p" });
    for (let id = 0n; id < 8n; id++) (await store.store(id, entry)).release(); // one fits the bound, seven are left out
    expect(existsSync(`${root}/1/7.rfx`)).toBe(false);
    const embedding = entry.embedding as Uint8Array;
    await expect(store.search(1n, embedding, { k: 8 })).rejects.toMatchObject({ code: "index_full" });
    await expect(store.search(1n, embedding, { k: 8 })).rejects.toMatchObject({ code: "index_full" }); // still left out
    store.close();
  });

  test("stats, a rescan and the first live figures count writes not yet in place, as the files they will be", async () => {
    const root = tempDir();
    const writer = new NvmeStorage(root, { wal: false });
    writer.storeSync(1n, makeEntry({ tenantId: 1n, payload: "old, longer than the new one" })).release();
    writer.close();
    const store = new NvmeStorage(root, { wal: { maxUnplacedBytes: 1 << 30 }, lookup: false });
    (await store.store(1n, makeEntry({ tenantId: 1n, payload: "new" }))).release(); // replaces a file in place
    (await store.store(2n, makeEntry({ tenantId: 2n, payload: "fresh" }))).release(); // a new tenant, no file yet
    expect(existsSync(`${root}/2/2.rfx`)).toBe(false);
    const first = store.liveStats(); // the first use scans the root
    const scanned = store.statsSync();
    const rescanned = store.rescanStats();
    await store.verify(); // every write in place
    const placed = store.statsSync();
    expect(placed.entryCount).toBe(2);
    for (const figures of [first, scanned, rescanned, store.liveStats()]) {
      expect([figures.entryCount, figures.totalBytes]).toEqual([placed.entryCount, placed.totalBytes]);
    }
    expect(store.liveStats()).toEqual(store.rescanStats());
    store.close();
  });

  test("verify waits for the log's writes to be in place, then reads the files", async () => {
    const root = tempDir();
    const store = new NvmeStorage(root, { wal: { maxUnplacedBytes: 1 << 30 }, lookup: false });
    (await store.store(5n, makeEntry({ tenantId: 4n, payload: "x" }))).release();
    const report = await store.verify();
    expect(report.problems).toEqual([]);
    expect(existsSync(`${root}/4/5.rfx`)).toBe(true);
    store.close();
  });
});

describe("a placement that fails for good", () => {
  test("verify and gc fail with its io error instead of waiting forever; the write stays readable and close places it", async () => {
    const root = tempDir();
    const ops: FileOps = {
      ...nodeFileOps,
      open: async () => {
        throw Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
      },
    };
    const store = new NvmeStorage(root, { wal: { maxAgeMs: 0 }, lookup: false, fileOps: ops });
    (await store.store(5n, makeEntry({ tenantId: 4n, payload: "kept" }))).release();
    await expect(store.verify()).rejects.toMatchObject({ code: "io", errno: "EACCES" });
    await expect(store.gc()).rejects.toMatchObject({ code: "io", errno: "EACCES" });
    const handle = store.loadSync(5n, 4n);
    expect(new TextDecoder().decode(handle.payloadBlob)).toBe("kept");
    handle.release();
    store.close(); // places it on this thread (open on this thread works here)
    expect(existsSync(`${root}/4/5.rfx`)).toBe(true);
  });
});
