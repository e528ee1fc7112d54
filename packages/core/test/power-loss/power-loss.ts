// The power-loss property: run random workloads on a SimFs, cut the power at every step,
// and check each crash image with a real store. Shared by the suite and its self-test.
import { rmSync } from "node:fs";

import { join } from "node:path";
import fc from "fast-check";
import { NvmeStorage } from "../../src/store/nvme-storage.ts";
import { checkCut, STORE_DIR } from "./check-image.ts";
import { scratchDir } from "./scratch.ts";
import { SimFs } from "./sim-fs.ts";
import { runWorkload, type Workload, workloadArbitrary } from "./workload.ts";

/** Totals over a run of the property. */
export interface PowerLossTotals {
  workloads: number;
  cuts: number;
  keysChecked: number;
  wholeLoads: number;
  lost: string[];
  torn: string[];
  /** Reads on the live store, after a step, that did not show what it acknowledged. */
  live: string[];
}

/** How a suite opens the store under test on the sim (the workload's durability is added). */
export type StoreFactory = (root: string, sim: SimFs, workload: Workload) => NvmeStorage;

/** The default: the write-ahead log on, writes through the sim. */
export const defaultFactory: StoreFactory = (root, sim, workload) =>
  new NvmeStorage(root, {
    fileOps: sim,
    durability: workload.durability,
    lookup: false,
    wal: { preallocateBytes: 16_384 },
  });

/** Runs one workload and checks every cut of it; adds to `totals`. */
export async function checkWorkload(
  workload: Workload,
  totals: PowerLossTotals,
  open: StoreFactory = defaultFactory,
  checkWithLog = false,
): Promise<boolean> {
  const base = scratchDir("reflex-sim-");
  try {
    const sim = new SimFs(base);
    const store = open(join(base, STORE_DIR), sim, workload);
    let result: Awaited<ReturnType<typeof runWorkload>>;
    try {
      result = await runWorkload(workload, store, sim);
    } finally {
      store.close();
    }
    totals.workloads++;
    totals.live.push(...result.live);
    let clean = result.live.length === 0;
    if (!clean) console.error(`power loss: live reads: ${result.live.join("; ")}`);
    for (const cut of result.cuts) {
      const findings = await checkCut(cut, result.history, checkWithLog);
      totals.cuts++;
      totals.keysChecked += 6;
      totals.wholeLoads += findings.whole;
      if (findings.lost.length + findings.torn.length > 0 && clean) {
        clean = false;
        console.error(
          `power loss: cut at ${cut.at}: ${[...findings.lost, ...findings.torn].join("; ")}; image: ${[...cut.image.keys()].join(" ")}`,
        );
      }
      totals.lost.push(...findings.lost);
      totals.torn.push(...findings.torn);
    }
    return clean;
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

/** Runs the property over `numRuns` workloads; returns the totals (fast-check's counterexample is rethrown). */
export async function runPowerLoss(
  numRuns: number,
  seed: number,
  open: StoreFactory = defaultFactory,
  checkWithLog = false,
): Promise<PowerLossTotals> {
  const totals: PowerLossTotals = {
    workloads: 0,
    cuts: 0,
    keysChecked: 0,
    wholeLoads: 0,
    lost: [],
    torn: [],
    live: [],
  };
  await fc.assert(
    fc.asyncProperty(workloadArbitrary, (workload) => checkWorkload(workload, totals, open, checkWithLog)),
    { numRuns, seed, endOnFailure: true },
  );
  return totals;
}
