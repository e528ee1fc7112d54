import { describe, expect, test } from "bun:test";
import type { FileOps } from "../../src/disk/file-ops.ts";
import { NvmeStorage } from "../../src/store/nvme-storage.ts";
import { runPowerLoss, type StoreFactory } from "./power-loss.ts";

const SOAK = process.env.REFLEX_SOAK === "1";
const RUNS = SOAK ? 2000 : 200;
// A logged write takes fewer steps of the model than a file of its own: more workloads for the same cuts.
const LOG_RUNS = SOAK ? 3000 : 300;
const MIN_CUTS = SOAK ? 100_000 : 10_000;

const fileProtocol: StoreFactory = (root, sim, workload) =>
  new NvmeStorage(root, { fileOps: sim, durability: workload.durability, lookup: false, wal: false });
const smallLog: StoreFactory = (root, sim, workload) =>
  new NvmeStorage(root, {
    fileOps: sim,
    durability: workload.durability,
    lookup: false,
    wal: { maxBytes: 4096, maxAgeMs: 0, preallocateBytes: 4096 },
  });

function figure(label: string, totals: Awaited<ReturnType<typeof runPowerLoss>>): void {
  console.log(
    `figure: power loss (${label}): ${totals.workloads} workloads, ${totals.cuts} cut points, ` +
      `${totals.keysChecked} keys checked (${totals.wholeLoads} loaded whole); ` +
      `${totals.lost.length} acknowledged writes or deletes lost, ${totals.torn.length} torn entries visible, ` +
      `${totals.live.length} live reads that missed an acknowledged write or delete`,
  );
}

describe("power loss (simulated page cache and disk)", () => {
  test("the file protocol (wal: false): nothing acknowledged is lost, nothing torn is visible", async () => {
    const totals = await runPowerLoss(RUNS, 26, fileProtocol);
    figure("file protocol", totals);
    expect(totals.lost).toEqual([]);
    expect(totals.torn).toEqual([]);
    expect(totals.live).toEqual([]);
    expect(totals.cuts).toBeGreaterThanOrEqual(MIN_CUTS);
  });

  test("the write-ahead log (acknowledged once logged and fsynced, files placed after): nothing acknowledged is lost, nothing torn is visible, live reads see every acknowledged write", async () => {
    const totals = await runPowerLoss(LOG_RUNS, 27);
    figure("write-ahead log", totals);
    expect(totals.lost).toEqual([]);
    expect(totals.torn).toEqual([]);
    expect(totals.live).toEqual([]);
    expect(totals.cuts).toBeGreaterThanOrEqual(MIN_CUTS);
  });

  test("the write-ahead log, each crash image opened by a store that keeps a log (the replay hands it the segments): the same", async () => {
    const totals = await runPowerLoss(LOG_RUNS, 29, undefined, true);
    figure("write-ahead log, reopened with a log", totals);
    expect(totals.lost).toEqual([]);
    expect(totals.torn).toEqual([]);
    expect(totals.live).toEqual([]);
    expect(totals.cuts).toBeGreaterThanOrEqual(MIN_CUTS);
  });

  test("the write-ahead log checkpointing every 4 KiB: the same", async () => {
    const totals = await runPowerLoss(LOG_RUNS, 28, smallLog);
    figure("write-ahead log, 4 KiB segments", totals);
    expect(totals.lost).toEqual([]);
    expect(totals.torn).toEqual([]);
    expect(totals.live).toEqual([]);
    expect(totals.cuts).toBeGreaterThanOrEqual(MIN_CUTS);
  });

  test("the suite catches a store that skips its fsyncs", async () => {
    const noFsync: StoreFactory = (root, sim) => {
      const ops: FileOps = {
        openSync: (...args) => sim.openSync(...args),
        open: (...args) => sim.open(...args),
        writeSync: (...args) => sim.writeSync(...args),
        write: (...args) => sim.write(...args),
        fsyncSync: () => undefined,
        fsync: async () => undefined,
        syncfsSync: () => true,
        closeSync: (fd) => sim.closeSync(fd),
        renameSync: (from, to) => sim.renameSync(from, to),
        unlinkSync: (path) => sim.unlinkSync(path),
        mkdirSync: (path, recursive) => sim.mkdirSync(path, recursive),
        rmdirSync: (path) => sim.rmdirSync(path),
        rmSync: (path, recursive) => sim.rmSync(path, recursive),
        statSync: (path) => sim.statSync(path),
        utimesSync: (path, a, m) => sim.utimesSync(path, a, m),
      };
      return new NvmeStorage(root, { fileOps: ops, durability: "fsync", lookup: false, wal: true });
    };
    await expect(runPowerLoss(40, 7, noFsync)).rejects.toThrow();
  });
});
