// Concurrency, by doing it: 3 processes (2 async workers each) and 4 async tasks in this
// process (over one cached and one uncached store) store, overwrite, delete, load, list,
// verify and clean up the SAME 6 entries at once, with self-describing payloads of 1 KiB
// to 1 MiB, for seconds (a minute in soak mode). Every load must be one whole written
// version (checked byte by byte) or not_found, no operation may fail, every verify must be
// clean; afterwards a fresh store's live stats equal a scan, verify is clean and no temp
// file is left. (packages/core/test/race.test.ts races 3 processes on one id with
// stores only; this mixes every operation on several ids and tenants.)
// A second test pits writers that keep emptying their tenant against a tight cleanup
// loop in another process: no store may fail because the loop removed its directory.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { isStoreError, NvmeStorage } from "@reflex/core";
import { type LineChild, removeTempDirs, tempDir } from "@reflex/testkit";
import { runWorker, SHARED_KEYS, type WorkerSummary } from "./fixtures/concurrency-plan.ts";
import { figure, mixedEntryProblem, scale, spawnFixture, tempFilesUnder } from "./fixtures/harness.ts";

const DURATION_MS = scale(4_000, 60_000);
const PROCESSES = 3;
const WORKERS_PER_PROCESS = 2;
const IN_PROCESS_TASKS = 4;
const CLEANUP_RACE_MS = scale(2_000, 30_000);
const CLEANUP_RACE_WRITERS = 2;

afterAll(removeTempDirs);

test(
  `${PROCESSES} processes x ${WORKERS_PER_PROCESS} + ${IN_PROCESS_TASKS} async tasks on the same 6 entries: every load whole, stats = scan`,
  async () => {
    const root = join(tempDir("reflex-rel-"), "store");
    const children: LineChild[] = [];
    for (let p = 0; p < PROCESSES; p++) {
      const firstWriter = p * WORKERS_PER_PROCESS;
      const cached = p === 0 ? "1" : "0";
      children.push(
        spawnFixture("concurrency-child.ts", [
          root,
          String(firstWriter),
          String(WORKERS_PER_PROCESS),
          String(DURATION_MS),
          cached,
        ]),
      );
    }
    const summaries: WorkerSummary[] = [];
    try {
      await Promise.all(children.map((child) => child.waitFor((line) => line === "ready")));
      // The start barrier: closing stdin lets every child go at once.
      for (const child of children) child.process.stdin.end();
      const deadline = performance.now() + DURATION_MS;
      const cachedStore = new NvmeStorage(root);
      const uncachedStore = new NvmeStorage(root, { handleCache: { maxEntries: 0 } });
      const firstLocal = PROCESSES * WORKERS_PER_PROCESS;
      const local = await Promise.all(
        Array.from({ length: IN_PROCESS_TASKS }, (_, i) =>
          runWorker(i % 2 === 0 ? cachedStore : uncachedStore, firstLocal + i, deadline, 1000 + i),
        ),
      );
      summaries.push(...local);
      cachedStore.close();
      uncachedStore.close();
      for (const child of children) {
        const exitCode = await child.process.exited;
        await child.stdoutClosed;
        expect({ exitCode, stderr: await child.stderr() }).toEqual({ exitCode: 0, stderr: "" });
        const lines = child.lines.filter((line) => line !== "ready");
        expect(lines.length).toBe(WORKERS_PER_PROCESS);
        summaries.push(...lines.map((line) => JSON.parse(line) as WorkerSummary));
      }
    } finally {
      for (const child of children) child.process.kill("SIGKILL");
      await Promise.all(children.map((child) => child.process.exited));
    }

    // No problem anywhere, and every version a load saw was a write that was started.
    expect(summaries.flatMap((summary) => summary.problems)).toEqual([]);
    const issued = new Map(summaries.map((summary) => [String(summary.writer), summary.issued]));
    for (const summary of summaries) {
      for (const [writer, counter] of Object.entries(summary.maxSeen)) {
        expect({ writer, counter, below: counter < (issued.get(writer) ?? 0) }).toEqual({
          writer,
          counter,
          below: true,
        });
      }
    }

    // Afterwards: no temp file, verify clean, every key absent or one whole version, live stats = scan.
    const fresh = new NvmeStorage(root, { handleCache: { maxEntries: 0 } });
    expect(fresh.sweep).toEqual({ removed: 0, kept: 0 });
    expect(tempFilesUnder(root)).toEqual([]);
    const report = await fresh.verify();
    expect(report.problems).toEqual([]);
    let present = 0;
    for (const { tenantId, entryId } of SHARED_KEYS) {
      try {
        const handle = fresh.loadSync(entryId, tenantId);
        expect(mixedEntryProblem(handle, tenantId, entryId)).toBeUndefined();
        expect(issued.has(String(handle.contextHash >> 32n))).toBe(true);
        handle.release();
        present++;
      } catch (error) {
        if (!isStoreError(error, "not_found")) throw error;
      }
    }
    expect(report.checked).toBe(present);
    const live = fresh.liveStats();
    const scan = fresh.statsSync();
    expect([live.tenantCount, live.entryCount, live.totalBytes]).toEqual([
      scan.tenantCount,
      scan.entryCount,
      scan.totalBytes,
    ]);
    expect(live.entryCount).toBe(present);
    expect(live.perTenant.reduce((sum, tenant) => sum + tenant.totalBytes, 0)).toBe(live.totalBytes);
    fresh.close();

    const total = (field: keyof WorkerSummary) =>
      summaries.reduce((sum, summary) => sum + (summary[field] as number), 0);
    figure(
      "concurrency",
      `${PROCESSES} processes x ${WORKERS_PER_PROCESS} workers + ${IN_PROCESS_TASKS} in-process tasks for ${DURATION_MS / 1000} s on ` +
        `${SHARED_KEYS.length} shared entries: ${total("stores")} stores, ${total("deletes")} deletes, ${total("loads")} loads ` +
        `checked byte by byte (${total("mappedLoads")} mapped), ${total("notFound")} not_found, ${total("verifies")} verifies clean, ` +
        `${total("cleanups")} cleanups (${total("removedDirs")} dirs removed); 0 torn, 0 failed ops; final ${present} entries, ` +
        "live stats = scan, verify clean, 0 temp files",
    );
  },
  scale(60_000, 300_000),
);

test(
  `${CLEANUP_RACE_WRITERS} writers emptying their tenant vs a cleanup loop in another process: no store fails`,
  async () => {
    const root = join(tempDir("reflex-rel-"), "store");
    const roles = ["clean", ...Array.from({ length: CLEANUP_RACE_WRITERS }, (_, i) => String(i))];
    const children = roles.map((role) => spawnFixture("cleanup-race-child.ts", [root, role, String(CLEANUP_RACE_MS)]));
    const results: { role: string; stores: number; removedDirs: number; failures: string[] }[] = [];
    try {
      await Promise.all(children.map((child) => child.waitFor((line) => line === "ready")));
      for (const child of children) child.process.stdin.end();
      for (const child of children) {
        const exitCode = await child.process.exited;
        await child.stdoutClosed;
        expect({ exitCode, stderr: await child.stderr() }).toEqual({ exitCode: 0, stderr: "" });
        results.push(JSON.parse(child.lines.at(-1) ?? "{}"));
      }
    } finally {
      for (const child of children) child.process.kill("SIGKILL");
      await Promise.all(children.map((child) => child.process.exited));
    }
    expect(results.flatMap((result) => result.failures)).toEqual([]);
    const stores = results.reduce((sum, result) => sum + result.stores, 0);
    const removed = results.reduce((sum, result) => sum + result.removedDirs, 0);
    // The race happened: the loop removed the writers' tenant dirs again and again.
    expect(removed).toBeGreaterThan(10);
    const fresh = new NvmeStorage(root, { handleCache: { maxEntries: 0 } });
    expect(tempFilesUnder(root)).toEqual([]);
    expect((await fresh.verify()).problems).toEqual([]);
    expect(fresh.statsSync().entryCount).toBe(0);
    figure(
      "concurrency",
      `cleanup race: ${CLEANUP_RACE_WRITERS} writer processes x ${CLEANUP_RACE_MS / 1000} s: ${stores} durable stores ` +
        `into tenant dirs a cleanup loop in another process removed ${removed} times, 0 failed`,
    );
  },
  scale(30_000, 120_000),
);
