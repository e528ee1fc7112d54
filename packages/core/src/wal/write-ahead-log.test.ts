import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { encodeEnvelope, readEnvelopeHeader } from "@reflex/codec";
import { makeEntry, removeTempDirs, tempDir } from "@reflex/testkit";
import { type FileOps, nodeFileOps } from "../disk/file-ops.ts";
import { NvmeStorage } from "../store/nvme-storage.ts";
import { walRecord } from "./wal-format.ts";
import { WriteAheadLog } from "./write-ahead-log.ts";

afterEach(removeTempDirs);

/** Real file ops that count fsyncs and can hold the async ones until released. */
function countingOps(): { ops: FileOps; fsyncs: () => number } {
  let fsyncs = 0;
  const ops: FileOps = {
    ...nodeFileOps,
    fsync: async (fd) => {
      fsyncs++;
      await nodeFileOps.fsync(fd);
    },
  };
  return { ops, fsyncs: () => fsyncs };
}

const LIMITS = { maxBytes: 1 << 30, maxAgeMs: 0, maxUnplacedBytes: 1 << 30, preallocateBytes: 4096 };
const record = (id: number) => walRecord("delete", 1n, BigInt(id));

/** Appends a durable put of tenant 1 and applies it as the store does: unplaced, queued for the placer, then `applied()`. */
function logPut(log: WriteAheadLog, root: string, id: bigint, bytes: Uint8Array, applied: () => void): Promise<void> {
  const key = `1/${id}`;
  return log.append(walRecord("put", 1n, id, bytes), key, `${root}/${key}.rfx`, `${root}/1`, true, (lsn) => {
    const headerBytes = readEnvelopeHeader(bytes).headerBytes;
    const item = { tenantId: 1n, entryId: id, lsn, bytes, headerBytes, expiresAt: 0n };
    log.unplaced.set(key, item);
    log.placer.enqueue(key, item);
    applied();
  });
}

/** A log whose bound holds two puts of tenant 1; `put` logs one (see {@link logPut}) and notes it in `applied`. */
function roomForTwoPuts() {
  const root = tempDir();
  nodeFileOps.mkdirSync(`${root}/1`);
  const bytes = encodeEnvelope(1n, makeEntry({ tenantId: 1n, payload: "x".repeat(900) }));
  const log = new WriteAheadLog(root, nodeFileOps, { ...LIMITS, maxUnplacedBytes: 2 * bytes.byteLength });
  const applied: string[] = [];
  const put = (id: bigint) => logPut(log, root, id, bytes, () => applied.push(`put ${id}`));
  return { root, log, applied, put };
}

describe("WriteAheadLog", () => {
  test("64 durable appends in flight share a few fsyncs and apply in log order", async () => {
    const root = tempDir();
    const { ops, fsyncs } = countingOps();
    const log = new WriteAheadLog(root, ops, LIMITS);
    const applied: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) => log.append(record(i), `1/${i}`, null, root, true, () => applied.push(i))),
    );
    expect(applied).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(results).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
    expect(fsyncs()).toBeLessThanOrEqual(3);
    log.close();
  });

  test("a lone durable append starts its fsync in the same turn (a microtask) and applies only after it", async () => {
    const root = tempDir();
    let release = () => {};
    let started = false;
    const ops: FileOps = {
      ...nodeFileOps,
      fsync: async (fd) => {
        started = true;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        await nodeFileOps.fsync(fd);
      },
    };
    const log = new WriteAheadLog(root, ops, LIMITS);
    let applied = false;
    const done = log.append(record(1), "1/1", null, root, true, () => {
      applied = true;
    });
    expect(started).toBe(false); // not before the turn ends: writes issued beside it join the fsync
    await Promise.resolve();
    expect(started).toBe(true);
    await Bun.sleep(5);
    expect(applied).toBe(false);
    release();
    await done;
    expect(applied).toBe(true);
    log.close();
  });

  test("a sync append applies the async records written before it first, in order", async () => {
    const root = tempDir();
    const log = new WriteAheadLog(root, nodeFileOps, LIMITS);
    const applied: string[] = [];
    const pending = log.append(record(1), "1/1", null, root, true, () => applied.push("async"));
    log.appendSync(record(2), "1/2", null, root, true, () => applied.push("sync"));
    expect(applied).toEqual(["async", "sync"]);
    await pending;
    log.close();
  });

  test("an atomic append waits for nothing when no record is pending; the log holds its key", () => {
    const root = tempDir();
    const log = new WriteAheadLog(root, nodeFileOps, LIMITS);
    expect(log.holds("1/5")).toBe(false);
    expect(log.appendSync(record(5), "1/5", null, root, false, () => "done")).toBe("done");
    expect(log.holds("1/5")).toBe(true);
    log.close();
    expect(log.holds("1/5")).toBe(false);
  });

  test("a full segment is checkpointed: records go on in a new segment and the old one goes", async () => {
    const root = tempDir();
    const log = new WriteAheadLog(root, nodeFileOps, {
      maxBytes: 200,
      maxAgeMs: 0,
      maxUnplacedBytes: 1 << 30,
      preallocateBytes: 4096,
    });
    for (let i = 0; i < 20; i++) await log.append(record(i), `1/${i}`, null, root, true, () => undefined);
    await log.checkpoint();
    const segments = readdirSync(`${root}/.reflex-wal`);
    expect(segments.length).toBeLessThanOrEqual(1);
    log.close();
    expect(existsSync(`${root}/.reflex-wal`)).toBe(false);
  });

  test("an fsync that fails rejects its waiters with io and applies nothing", async () => {
    const root = tempDir();
    const ops: FileOps = {
      ...nodeFileOps,
      fsync: async () => {
        throw Object.assign(new Error("EIO"), { code: "EIO" });
      },
    };
    const log = new WriteAheadLog(root, ops, LIMITS);
    let applied = false;
    const error = await log
      .append(record(1), "1/1", null, root, true, () => {
        applied = true;
      })
      .catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe("io");
    expect(applied).toBe(false);
  });

  test("writes in flight wait for room: what the log holds back never passes maxUnplacedBytes", async () => {
    const root = tempDir();
    nodeFileOps.mkdirSync(`${root}/1`);
    const envelopeOf = (id: bigint) => encodeEnvelope(id, makeEntry({ tenantId: 1n, payload: "x".repeat(900) }));
    const size = envelopeOf(1n).byteLength;
    const log = new WriteAheadLog(root, nodeFileOps, { ...LIMITS, maxUnplacedBytes: 8 * size });
    let most = 0;
    const put = (id: bigint) =>
      logPut(log, root, id, envelopeOf(id), () => {
        most = Math.max(most, log.unplaced.bytes);
      });
    await Promise.all(Array.from({ length: 64 }, (_, i) => put(BigInt(i + 1))));
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(8 * size);
    await log.settled();
    expect(nodeFileOps.statSync(`${root}/1/64.rfx`)?.size).toBe(size);
    log.close();
  });

  test("a record that fits the bound does not pass one waiting for room: records keep the order of the calls", async () => {
    const { root, log, applied, put } = roomForTwoPuts();
    const remove = (id: bigint) =>
      log.append(walRecord("delete", 1n, id), `1/${id}`, null, `${root}/1`, true, () => applied.push(`delete ${id}`));
    // Two puts fill the bound; the third waits for room; the delete after it needs none.
    await Promise.all([put(1n), put(2n), put(3n), remove(3n)]);
    expect(applied).toEqual(["put 1", "put 2", "put 3", "delete 3"]);
    log.close();
  });

  test("a write on this thread while records wait for room goes after them: records keep the order of the calls", async () => {
    const { root, log, applied, put } = roomForTwoPuts();
    const puts = [put(1n), put(2n), put(3n)]; // the third waits for room
    expect(log.room.waits(1n)).toBe(true);
    log.appendSync(walRecord("delete", 1n, 3n), "1/3", null, `${root}/1`, true, () => applied.push("delete 3"));
    expect(log.room.waits(1n)).toBe(false);
    await Promise.all(puts);
    expect(applied).toEqual(["put 1", "put 2", "put 3", "delete 3"]);
    log.close();
  });

  test("a delete of an entry whose only write waits for room goes after it, sync or not: the entry ends deleted", async () => {
    const root = tempDir();
    const store = new NvmeStorage(root, { wal: { maxUnplacedBytes: 4096 } });
    store.storeSync(1n, makeEntry({ tenantId: 1n, payload: "x".repeat(3000) })).release(); // held back
    const puts = [2n, 3n].map((id) => store.store(id, makeEntry({ tenantId: 1n, payload: "y".repeat(3000) })));
    const deleted = store.delete(2n, 1n); // queued behind the put of 2
    store.deleteSync(3n, 1n); // appends the puts waiting first
    for (const handle of await Promise.all(puts)) handle.release();
    await deleted;
    expect([store.existsSync(2n, 1n), store.existsSync(3n, 1n)]).toEqual([false, false]);
    store.close();
    const reopened = new NvmeStorage(root, { wal: true });
    expect([reopened.existsSync(2n, 1n), reopened.existsSync(3n, 1n)]).toEqual([false, false]);
    reopened.close();
  });

  test("a close that fails does not refuse the writes waiting for room: the store stays open and they land", async () => {
    const root = tempDir();
    let full = false;
    const ops: FileOps = {
      ...nodeFileOps,
      openSync: (path, flags, mode) => {
        if (full) throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
        return nodeFileOps.openSync(path, flags, mode);
      },
    };
    const store = new NvmeStorage(root, { wal: { maxUnplacedBytes: 4096 }, fileOps: ops });
    store.storeSync(1n, makeEntry({ tenantId: 1n, payload: "x".repeat(3000) })).release(); // held back
    const waiting = store.store(2n, makeEntry({ tenantId: 1n, payload: "y".repeat(3000) }));
    full = true;
    expect(() => store.close()).toThrow();
    full = false;
    (await waiting).release();
    expect(store.existsSync(2n, 1n)).toBe(true);
    store.close();
  });

  test("close takes over a checkpoint running off the event loop: its segments are durable and gone when close returns", async () => {
    const root = tempDir();
    let hold = false;
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ops: FileOps = {
      ...nodeFileOps,
      fsync: async (fd, dataOnly) => {
        if (hold && !dataOnly) await gate; // the checkpoint's fsyncs of what the records changed
        await nodeFileOps.fsync(fd, dataOnly);
      },
    };
    const log = new WriteAheadLog(root, ops, LIMITS);
    await log.append(record(1), "1/1", null, root, true, () => undefined);
    hold = true;
    const checkpoint = log.checkpoint();
    await new Promise((resolve) => setTimeout(resolve, 10)); // it waits in its fsyncs
    log.close();
    expect(existsSync(`${root}/.reflex-wal`)).toBe(false);
    expect(log.holds("1/1")).toBe(false);
    release();
    await checkpoint;
    expect(existsSync(`${root}/.reflex-wal`)).toBe(false);
    expect(log.appendSync(record(2), "1/2", null, root, true, () => "reused")).toBe("reused");
    log.close();
  });

  test("writes waiting for room when the store closes fail with storage_unavailable: nothing is written after the close", async () => {
    const root = tempDir();
    const store = new NvmeStorage(root, { wal: { maxUnplacedBytes: 4096 } });
    store.storeSync(0n, makeEntry({ tenantId: 1n })).release();
    const writes = Array.from({ length: 32 }, (_, i) =>
      store.store(BigInt(i + 1), makeEntry({ tenantId: 1n, payload: "x".repeat(1000) })),
    );
    store.close();
    const closed = readdirSync(`${root}/1`).sort();
    const results = await Promise.allSettled(writes);
    expect(existsSync(`${root}/.reflex-wal`)).toBe(false);
    expect(readdirSync(`${root}/1`).sort()).toEqual(closed);
    const refused = results.filter((result) => result.status === "rejected");
    expect(refused.length).toBeGreaterThan(0);
    for (const result of refused)
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: "storage_unavailable" });
    const reopened = new NvmeStorage(root, { wal: true });
    for (const [i, result] of results.entries()) {
      expect(reopened.existsSync(BigInt(i + 1), 1n)).toBe(result.status === "fulfilled"); // acknowledged: there; refused: not
      if (result.status === "fulfilled") result.value.release();
    }
    reopened.storeSync(99n, makeEntry({ tenantId: 1n })).release();
    expect(() => reopened.close()).not.toThrow();
  });

  test("a close that fails can be tried again: the running checkpoint's segments are not counted twice", async () => {
    const root = tempDir();
    let hold = false;
    let failing = false;
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const eio = () => Object.assign(new Error("EIO"), { code: "EIO" });
    const ops: FileOps = {
      ...nodeFileOps,
      fsync: async (fd, dataOnly) => {
        if (hold && !dataOnly) await gate;
        await nodeFileOps.fsync(fd, dataOnly);
      },
      fsyncSync: (fd, dataOnly) => {
        if (failing && !dataOnly) throw eio();
        nodeFileOps.fsyncSync(fd, dataOnly);
      },
    };
    const log = new WriteAheadLog(root, ops, LIMITS);
    await log.append(record(1), "1/1", null, root, true, () => undefined);
    hold = true;
    const checkpoint = log.checkpoint().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 10)); // it waits in its fsyncs
    failing = true;
    expect(() => log.close()).toThrow("EIO");
    expect(() => log.close()).toThrow("EIO");
    failing = false;
    log.close();
    expect(existsSync(`${root}/.reflex-wal`)).toBe(false);
    release();
    await checkpoint;
    expect(existsSync(`${root}/.reflex-wal`)).toBe(false);
  });

  test("a tenant deletion does not wait behind writes waiting for room: when the store closes meanwhile it is done, not refused", async () => {
    const root = tempDir();
    const store = new NvmeStorage(root, { wal: { maxUnplacedBytes: 4096 } });
    store.storeSync(1n, makeEntry({ tenantId: 2n, payload: "z" })).release();
    store.close();
    const first = store.store(1n, makeEntry({ tenantId: 1n, payload: "x".repeat(3000) }));
    const waiting = store.store(2n, makeEntry({ tenantId: 1n, payload: "x".repeat(3000) })); // waits for room
    const deletion = store.deleteTenant(2n);
    store.close();
    const [, , deleted] = await Promise.allSettled([first, waiting, deletion]);
    expect(deleted?.status).toBe("fulfilled");
    const reopened = new NvmeStorage(root, { wal: true });
    expect(reopened.listTenantsSync()).not.toContain(2n);
    reopened.close();
  });
});
