import { afterEach, describe, expect, test } from "bun:test";
import { makeEntry, removeTempDirs, tempDir } from "@reflex/testkit";
import { type FileOps, nodeFileOps } from "../disk/file-ops.ts";
import { NvmeStorage } from "../store/nvme-storage.ts";
import { KnownSizes } from "./known-sizes.ts";

afterEach(removeTempDirs);

/** FileOps whose commit fdatasyncs wait until `open()` is called: the window in which sizes are measured. */
function gatedCommits(): { ops: FileOps; open: () => void } {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const ops: FileOps = {
    ...nodeFileOps,
    fsync: (fd, dataOnly) =>
      dataOnly ? gate.then(() => nodeFileOps.fsync(fd, true)) : nodeFileOps.fsync(fd, dataOnly),
  };
  return { ops, open };
}

const payload = (bytes: number) => "x".repeat(bytes);
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("KnownSizes", () => {
  test("a measured size is used once; forget and clear drop it; unknown ones are statted", () => {
    const dir = tempDir();
    let stats = 0;
    const ops: FileOps = {
      ...nodeFileOps,
      statSync: (path) => {
        stats++;
        return nodeFileOps.statSync(path);
      },
    };
    const sizes = new KnownSizes(ops);
    sizes.measure("1/1", `${dir}/none`);
    sizes.measure("1/1", `${dir}/none`); // a second record of the key in the commit: not statted again
    expect(stats).toBe(1);
    expect(sizes.take("1/1", `${dir}/none`)).toBeUndefined();
    expect(stats).toBe(1);
    expect(sizes.take("1/1", dir)).toBe(nodeFileOps.statSync(dir)?.size as number); // used once: statted now
    sizes.measure("1/2", `${dir}/none`);
    sizes.forget("1/2");
    sizes.measure("1/3", `${dir}/none`);
    sizes.clear();
    const before = stats;
    sizes.take("1/2", `${dir}/none`);
    sizes.take("1/3", `${dir}/none`);
    expect(stats).toBe(before + 2);
  });

  test("puts in flight over files in place, then a delete and a put of one key in one turn: live figures stay exact", async () => {
    const root = tempDir();
    const writer = new NvmeStorage(root, { wal: false }); // files in place, none held by the log
    for (let id = 1n; id <= 65n; id++)
      writer.storeSync(id, makeEntry({ tenantId: 1n, payload: payload(100) })).release();
    writer.close();
    const store = new NvmeStorage(root, { wal: true });
    store.liveStats();
    const writes = [];
    for (let id = 1n; id <= 64n; id++) writes.push(store.store(id, makeEntry({ tenantId: 1n, payload: payload(300) })));
    const deleted = store.delete(65n, 1n);
    const handles = await Promise.all(writes);
    await deleted;
    expect(handles.every((handle) => !handle.created)).toBe(true);
    for (const handle of handles) handle.release();
    const removedThenWritten = [
      store.delete(1n, 1n),
      store.store(1n, makeEntry({ tenantId: 1n, payload: payload(50) })),
    ];
    const [, written] = await Promise.all(removedThenWritten);
    expect((written as { created: boolean }).created).toBe(true);
    const live = store.liveStats();
    await store.verify(); // waits until the log's writes are in place, where a rescan counts them
    expect(live).toEqual(store.rescanStats());
    store.close();
  });

  test("a file removed while the commit's fdatasync runs is not reported as replaced", async () => {
    const root = tempDir();
    let now = 1_000_000;
    const writer = new NvmeStorage(root, { wal: false, clock: () => now });
    writer.storeSync(1n, makeEntry({ tenantId: 1n, payload: payload(500) }), { ttlSeconds: 1 }).release();
    writer.close();
    const { ops, open } = gatedCommits();
    const store = new NvmeStorage(root, { wal: true, clock: () => now, fileOps: ops, handleCache: { maxEntries: 0 } });
    store.liveStats();
    now += 5_000; // the file on disk has expired
    const written = store.store(1n, makeEntry({ tenantId: 1n, payload: payload(200) }));
    await Promise.resolve(); // the commit starts: its fdatasync waits, the old file's size is measured
    expect(() => store.loadSync(1n, 1n)).toThrow(); // expired: queued for the reclaimer
    await tick(); // the reclaimer removes the expired file before the put applies
    open();
    const handle = await written;
    expect(handle.created).toBe(true);
    handle.release();
    const live = store.liveStats();
    await store.verify(); // waits until the log's writes are in place, where a rescan counts them
    expect(live).toEqual(store.rescanStats());
    store.close();
  });
});
