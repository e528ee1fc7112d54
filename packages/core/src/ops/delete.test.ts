import { afterEach, describe, expect, test } from "bun:test";
import { makeEntry, removeTempDirs, tempDir } from "@reflex/testkit";
import { type FileOps, nodeFileOps } from "../disk/file-ops.ts";
import { NvmeStorage } from "../store/nvme-storage.ts";

afterEach(removeTempDirs);

describe("delete with the write-ahead log", () => {
  test("a full disk (ENOSPC on the log) still lets a delete free space, durably", async () => {
    const root = tempDir();
    let full = false;
    const logFds = new Set<number>();
    const ops: FileOps = {
      ...nodeFileOps,
      openSync(path, flags, mode) {
        const fd = nodeFileOps.openSync(path, flags, mode);
        if (path.endsWith(".log")) logFds.add(fd);
        return fd;
      },
      writeSync(fd, buffer, offset, length, position) {
        if (full && logFds.has(fd)) throw Object.assign(new Error("ENOSPC"), { code: "ENOSPC" });
        return nodeFileOps.writeSync(fd, buffer, offset, length, position);
      },
    };
    const store = new NvmeStorage(root, { fileOps: ops, wal: true });
    store.storeSync(1n, makeEntry({ tenantId: 1n })).release();
    (await store.store(2n, makeEntry({ tenantId: 1n }))).release();
    full = true;
    store.deleteSync(1n, 1n);
    await store.delete(2n, 1n);
    expect(store.existsSync(1n, 1n)).toBe(false);
    expect(store.existsSync(2n, 1n)).toBe(false);
    store.close();
    const reopened = new NvmeStorage(root);
    expect(reopened.listEntriesSync(1n)).toEqual([]);
    reopened.close();
  });
});
