// Opens a real NvmeStorage on a crash image (real files in a temp dir) and checks it
// against what the workload had acknowledged at the cut.
import { rmSync } from "node:fs";

import { join } from "node:path";
import { sameBytes } from "@reflex/testkit";
import { isStoreError } from "../../src/contract/store-error.ts";
import { NvmeStorage } from "../../src/store/nvme-storage.ts";
import type { History } from "./history.ts";
import { scratchDir } from "./scratch.ts";
import { materialize } from "./sim-fs.ts";
import { type Cut, IDS, keyOf, TENANTS } from "./workload.ts";

/** What one cut showed: each count is per key, over every key of the workload. */
export interface CutFindings {
  /** An acknowledged durable write or delete that the disk no longer holds (or a value nobody wrote). */
  readonly lost: string[];
  /** A damaged entry where every candidate was durable (torn). */
  readonly torn: string[];
  /** Keys that loaded whole. */
  readonly whole: number;
}

/** The store's root under the sim's base (and under an image's directory). */
export const STORE_DIR = "store";

/**
 * Materializes `cut.image`, opens a store on it and checks every key; removes the image
 * after. `withLog`: the store keeps a log itself, so the replay hands its segments to it
 * (checkpointed at close) rather than making everything durable before it answers.
 */
export async function checkCut(cut: Cut, history: History, withLog = false): Promise<CutFindings> {
  const dir = scratchDir("reflex-cut-");
  const lost: string[] = [];
  const torn: string[] = [];
  let whole = 0;
  try {
    materialize(cut.image, dir);
    const store = new NvmeStorage(join(dir, STORE_DIR), {
      lookup: false,
      handleCache: { maxEntries: 0 },
      wal: withLog,
    });
    try {
      for (const tenantId of TENANTS) {
        for (const entryId of IDS) {
          const key = keyOf(tenantId, entryId);
          const allowed = history.allowedAt(key, cut.at);
          try {
            const handle = store.loadSync(entryId, tenantId);
            const payload = handle.payloadBlob;
            const ok = allowed.values.some((value) => sameBytes(value, payload));
            handle.release();
            if (ok) whole++;
            else lost.push(`${key}: holds a value that is not allowed`);
          } catch (error) {
            if (!isStoreError(error)) throw error;
            if (error.code === "not_found" && !allowed.absent) lost.push(`${key}: acknowledged write lost`);
            if (error.code === "corrupt" && !allowed.corrupt) torn.push(`${key}: torn`);
            if (error.code !== "not_found" && error.code !== "corrupt") throw error;
          }
        }
      }
      const report = await store.verify();
      for (const problem of report.problems) {
        const key = keyOf(problem.tenantId, problem.entryId);
        if (!history.allowedAt(key, cut.at).corrupt) torn.push(`${key}: verify ${problem.reason}`);
      }
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { lost, torn, whole };
}
