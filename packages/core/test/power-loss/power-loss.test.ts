import { describe, expect, test } from "bun:test";
import type { FileOps } from "../../src/disk/file-ops.ts";
import { NvmeStorage } from "../../src/store/nvme-storage.ts";
import { runPowerLoss, type StoreFactory } from "./power-loss.ts";

const SOAK = process.env.REFLEX_SOAK === "1";
const RUNS = SOAK ? 2000 : 260;

function figure(label: string, totals: Awaited<ReturnType<typeof runPowerLoss>>): void {
  console.log(
    `figure: power loss (${label}): ${totals.workloads} workloads, ${totals.cuts} cut points, ` +
      `${totals.keysChecked} keys checked (${totals.wholeLoads} loaded whole); ` +
      `${totals.lost.length} acknowledged writes or deletes lost, ${totals.torn.length} torn entries visible`,
  );
}

describe("power loss (simulated page cache and disk)", () => {
  test("today's protocol: nothing acknowledged is lost, nothing torn is visible", async () => {
    const totals = await runPowerLoss(RUNS, 26);
    figure("file protocol", totals);
    expect(totals.lost).toEqual([]);
    expect(totals.torn).toEqual([]);
    expect(totals.cuts).toBeGreaterThanOrEqual(SOAK ? 50_000 : 10_000);
  });

  test("the suite catches a store that skips its fsyncs", async () => {
    const noFsync: StoreFactory = (root, sim) => {
      const ops: FileOps = {
        openSync: (...args) => sim.openSync(...args),
        writeSync: (...args) => sim.writeSync(...args),
        write: (...args) => sim.write(...args),
        fsyncSync: () => undefined,
        fsync: async () => undefined,
        closeSync: (fd) => sim.closeSync(fd),
        renameSync: (from, to) => sim.renameSync(from, to),
        unlinkSync: (path) => sim.unlinkSync(path),
        mkdirSync: (path, recursive) => sim.mkdirSync(path, recursive),
        rmdirSync: (path) => sim.rmdirSync(path),
        rmSync: (path, recursive) => sim.rmSync(path, recursive),
        statSync: (path) => sim.statSync(path),
        utimesSync: (path, a, m) => sim.utimesSync(path, a, m),
      };
      return new NvmeStorage(root, { fileOps: ops, durability: "fsync", lookup: false });
    };
    await expect(runPowerLoss(40, 7, noFsync)).rejects.toThrow();
  });
});
