// Concurrency, by doing it: writer processes racing on one id while this process
// reads it, and many stores in flight in one process.
import { afterEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import { join } from "node:path";
import { entryProblem, type LineChild, removeTempDirs, spawnScript, taggedEntry, tempDir } from "@reflex/testkit";
import { DIR_OPEN_FLAGS, type FileOps, nodeFileOps } from "../src/disk/file-ops.ts";
import { isStoreError, NvmeStorage } from "../src/index.ts";
import { racePayloadLength, raceWrite } from "./fixtures/entry-patterns.ts";

afterEach(removeTempDirs);

function tempFilesIn(directory: string): string[] {
  return fs.readdirSync(directory).filter((name) => name.endsWith(".tmp"));
}

describe("writer processes racing on one id", () => {
  const TENANT = 7n;
  const ID = 42n;
  const WRITERS = 3;
  const ITERATIONS = 200;

  test(`${WRITERS} processes x ${ITERATIONS} stores of one id: every load is one whole write of one writer`, async () => {
    const root = tempDir();
    const children: LineChild[] = [];
    for (let writer = 0; writer < WRITERS; writer++) {
      children.push(
        spawnScript(join(import.meta.dir, "fixtures", "race-writer.ts"), [
          root,
          String(writer),
          String(ITERATIONS),
          String(TENANT),
          String(ID),
        ]),
      );
    }
    try {
      await Promise.all(children.map((child) => child.waitFor("ready")));
      // The start barrier: every writer is loaded; closing stdin lets them all go at once.
      for (const child of children) child.process.stdin.end();
      let running = true;
      const allExited = Promise.all(children.map((child) => child.process.exited)).finally(() => {
        running = false;
      });

      const problems: string[] = [];
      const highestSeen = new Map<number, number>();
      let loads = 0;
      let notFound = 0;
      while (running) {
        // A fresh store each time (its open-time sweep must leave the live writers' temp files alone).
        const store = new NvmeStorage(root, { handleCache: { maxEntries: 0 } });
        try {
          const handle = store.loadSync(ID, TENANT);
          try {
            loads++;
            const { writer, iteration } = raceWrite(handle.contextHash);
            const problem = entryProblem(handle, TENANT, ID, racePayloadLength);
            if (problem !== undefined) problems.push(`load ${loads}: ${problem}`);
            if (writer >= WRITERS || iteration >= ITERATIONS)
              problems.push(`load ${loads}: unknown write ${writer}/${iteration}`);
            // A writer's writes land in order and a rename replaces the file whole, so once
            // iteration k of a writer was seen, no earlier iteration of it can come back.
            const highest = highestSeen.get(writer) ?? -1;
            if (iteration < highest)
              problems.push(`load ${loads}: writer ${writer} went back from ${highest} to ${iteration}`);
            highestSeen.set(writer, Math.max(highest, iteration));
          } finally {
            handle.release();
          }
        } catch (error) {
          if (!isStoreError(error, "not_found")) throw error;
          // Missing is fine only before the first write: a rename never leaves the name empty.
          if (loads > 0) problems.push(`load after ${loads}: entry vanished`);
          notFound++;
        }
        await Bun.sleep(0);
      }
      await allExited;

      for (const child of children) {
        expect({ exitCode: child.process.exitCode, stderr: await child.stderr() }).toEqual({ exitCode: 0, stderr: "" });
        expect(child.lines.at(-1)).toBe(`ok ${ITERATIONS}`);
      }
      expect(problems).toEqual([]);
      expect(loads + notFound).toBeGreaterThan(0);
      if (process.env.REFLEX_TEST_FIGURES) {
        console.log(
          `race: ${WRITERS * ITERATIONS} writes, ${loads} loads (${notFound} not found), writers seen ${[...highestSeen.keys()]}`,
        );
      }

      // The last rename of all is some writer's last write.
      const store = new NvmeStorage(root, { handleCache: { maxEntries: 0 } });
      const final = store.loadSync(ID, TENANT);
      expect(entryProblem(final, TENANT, ID, racePayloadLength)).toBeUndefined();
      expect(raceWrite(final.contextHash).iteration).toBe(ITERATIONS - 1);
      final.release();
      expect(tempFilesIn(join(root, String(TENANT)))).toEqual([]);
      expect(store.listEntriesSync(TENANT)).toEqual([ID]);
      expect((await store.verify()).problems).toEqual([]);
    } finally {
      for (const child of children) child.process.kill("SIGKILL");
      await Promise.all(children.map((child) => child.process.exited));
    }
  }, 50_000);
});

/** Real file ops that record the order of renames and directory fsyncs. */
function tracingOps() {
  let clock = 0;
  const directoryFds = new Set<number>();
  const tempOpens: string[] = [];
  const renamedAt = new Map<string, number>();
  const directorySyncs: { start: number; end: number }[] = [];
  const ops: FileOps = {
    ...nodeFileOps,
    openSync(path, flags, mode) {
      const fd = nodeFileOps.openSync(path, flags, mode);
      if (flags === DIR_OPEN_FLAGS) directoryFds.add(fd);
      else tempOpens.push(path);
      return fd;
    },
    closeSync(fd) {
      directoryFds.delete(fd);
      nodeFileOps.closeSync(fd);
    },
    renameSync(from, to) {
      nodeFileOps.renameSync(from, to);
      renamedAt.set(from, ++clock);
    },
    fsyncSync(fd) {
      const start = ++clock;
      nodeFileOps.fsyncSync(fd);
      if (directoryFds.has(fd)) directorySyncs.push({ start, end: ++clock });
    },
    async fsync(fd) {
      const directory = directoryFds.has(fd);
      const start = ++clock;
      await nodeFileOps.fsync(fd);
      if (directory) directorySyncs.push({ start, end: ++clock });
    },
  };
  return { ops, tempOpens, renamedAt, directorySyncs, tick: () => ++clock };
}

/** Payload size of in-process write `tag`: every fourth one takes the async write path. */
function smallOrLarge(tag: bigint): number {
  return tag % 4n === 0n ? 320 * 1024 : 4096;
}

describe("many stores in flight in one process", () => {
  const N = 64;
  const TENANT = 3n;

  test(`${N} concurrent stores of one id all resolve durably; the last rename wins`, async () => {
    const root = tempDir();
    const trace = tracingOps();
    const store = new NvmeStorage(root, { fileOps: trace.ops });
    const ID = 9n;
    const resolvedAt: number[] = [];
    const handles = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        store.store(ID, taggedEntry(TENANT, ID, BigInt(i), smallOrLarge(BigInt(i)))).then((handle) => {
          resolvedAt[i] = trace.tick();
          return handle;
        }),
      ),
    );
    // store() opens its temp file before its first await, so temp opens are in call order.
    expect(trace.tempOpens.length).toBe(N);
    expect(new Set(trace.tempOpens).size).toBe(N);
    expect(handles.filter((handle) => handle.created).length).toBe(1);
    for (const [i, handle] of handles.entries()) {
      expect(handle.contextHash).toBe(BigInt(i));
      expect(entryProblem(handle, TENANT, ID, smallOrLarge)).toBeUndefined();
      handle.release();
      // Durable: a directory fsync that started after this write's rename ended before it resolved.
      const renamed = trace.renamedAt.get(trace.tempOpens[i] ?? "");
      const resolved = resolvedAt[i] ?? 0;
      expect(renamed).toBeDefined();
      expect(trace.directorySyncs.some((sync) => sync.start > (renamed ?? 0) && sync.end < resolved)).toBe(true);
    }
    // The file holds the write whose rename came last.
    let last = 0;
    for (let i = 1; i < N; i++) {
      if (
        (trace.renamedAt.get(trace.tempOpens[i] ?? "") ?? 0) > (trace.renamedAt.get(trace.tempOpens[last] ?? "") ?? 0)
      ) {
        last = i;
      }
    }
    const fresh = new NvmeStorage(root, { handleCache: { maxEntries: 0 } });
    const final = fresh.loadSync(ID, TENANT);
    expect(final.contextHash).toBe(BigInt(last));
    expect(entryProblem(final, TENANT, ID, smallOrLarge)).toBeUndefined();
    final.release();
    // Through the writing store too (its cache must not hold a loser).
    const again = store.loadSync(ID, TENANT);
    expect(again.contextHash).toBe(BigInt(last));
    again.release();
    expect(tempFilesIn(join(root, String(TENANT)))).toEqual([]);
    expect(trace.directorySyncs.length).toBeLessThanOrEqual(N + 1);
    if (process.env.REFLEX_TEST_FIGURES)
      console.log(`${N} stores of one id: ${trace.directorySyncs.length} directory fsyncs`);
  });

  test(`${N} concurrent stores of different ids all resolve durably and all load`, async () => {
    const root = tempDir();
    const trace = tracingOps();
    const store = new NvmeStorage(root, { fileOps: trace.ops });
    const ids = Array.from({ length: N }, (_, i) => BigInt(1000 + i * 7));
    const resolvedAt: number[] = [];
    const handles = await Promise.all(
      ids.map((id, i) =>
        store.store(id, taggedEntry(TENANT, id, BigInt(i), smallOrLarge(BigInt(i)))).then((handle) => {
          resolvedAt[i] = trace.tick();
          return handle;
        }),
      ),
    );
    for (const [i, handle] of handles.entries()) {
      expect(handle.created).toBe(true);
      handle.release();
      const renamed = trace.renamedAt.get(trace.tempOpens[i] ?? "") ?? Number.POSITIVE_INFINITY;
      const resolved = resolvedAt[i] ?? 0;
      expect(trace.directorySyncs.some((sync) => sync.start > renamed && sync.end < resolved)).toBe(true);
    }
    const fresh = new NvmeStorage(root, { handleCache: { maxEntries: 0 } });
    expect(fresh.listEntriesSync(TENANT)).toEqual(ids);
    for (const [i, id] of ids.entries()) {
      const handle = fresh.loadSync(id, TENANT);
      expect(handle.contextHash).toBe(BigInt(i));
      expect(entryProblem(handle, TENANT, id, smallOrLarge)).toBeUndefined();
      handle.release();
    }
    expect(tempFilesIn(join(root, String(TENANT)))).toEqual([]);
    const report = await fresh.verify();
    expect({ checked: report.checked, problems: report.problems }).toEqual({ checked: N, problems: [] });
  });

  test("stores, sync stores and deletes of one id interleaved: the store stays consistent", async () => {
    const root = tempDir();
    const store = new NvmeStorage(root);
    const ID = 5n;
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      const entry = taggedEntry(TENANT, ID, BigInt(i), smallOrLarge(BigInt(i)));
      if (i % 8 === 3) {
        work.push(store.delete(ID, TENANT).catch((error) => expect(isStoreError(error, "not_found")).toBe(true)));
      } else if (i % 8 === 5) {
        store.storeSync(ID, entry).release();
      } else {
        work.push(store.store(ID, entry).then((handle) => handle.release()));
      }
    }
    await Promise.all(work);
    const fresh = new NvmeStorage(root, { handleCache: { maxEntries: 0 } });
    const onDisk = fresh.existsSync(ID, TENANT);
    // The writing store agrees with the disk, and whatever is there is whole.
    expect(store.existsSync(ID, TENANT)).toBe(onDisk);
    if (onDisk) {
      const handle = fresh.loadSync(ID, TENANT);
      expect(entryProblem(handle, TENANT, ID, smallOrLarge)).toBeUndefined();
      const cached = store.loadSync(ID, TENANT);
      expect(cached.contextHash).toBe(handle.contextHash);
      cached.release();
      handle.release();
    }
    expect(tempFilesIn(join(root, String(TENANT)))).toEqual([]);
  });

  test("a delete waiting for the next directory fsync survives a cleanup that removes the emptied tenant dir", async () => {
    const root = tempDir();
    const directoryFds = new Set<number>();
    let gate: Promise<void> | null = null;
    let openGate = () => {};
    const ops: FileOps = {
      ...nodeFileOps,
      openSync(path, flags, mode) {
        const fd = nodeFileOps.openSync(path, flags, mode);
        if (flags === DIR_OPEN_FLAGS) directoryFds.add(fd);
        return fd;
      },
      closeSync(fd) {
        directoryFds.delete(fd);
        nodeFileOps.closeSync(fd);
      },
      async fsync(fd) {
        if (directoryFds.has(fd) && gate !== null) await gate;
        return nodeFileOps.fsync(fd);
      },
    };
    const store = new NvmeStorage(root, { fileOps: ops });
    const tenant = 11n;
    (await store.store(1n, taggedEntry(tenant, 1n, 1n, 4096))).release();
    (await store.store(2n, taggedEntry(tenant, 2n, 2n, 4096))).release();
    gate = new Promise((resolve) => {
      openGate = resolve;
    });
    const first = store.delete(1n, tenant); // its directory fsync starts and is held
    const second = store.delete(2n, tenant); // waits for the next directory fsync
    // Meanwhile (a maintenance request) the tenant dir is empty and goes.
    expect(store.cleanupEmptyTenantDirsSync()).toBe(1);
    openGate();
    await first;
    await second;
    expect(store.listTenantsSync()).toEqual([]);
    // And the tenant comes back on the next write.
    (await store.store(3n, taggedEntry(tenant, 3n, 3n, 4096))).release();
    expect(store.listEntriesSync(tenant)).toEqual([3n]);
  });
});
