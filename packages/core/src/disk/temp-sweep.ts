import { join } from "node:path";
import type { FileOps } from "./file-ops.ts";
import { TEMP_EXTENSION, tempFileOwnerPid } from "./layout.ts";
import { readDirectory, tenantNames } from "./root-walk.ts";

/** What a sweep did. */
export interface SweepResult {
  /** Temp files removed. */
  readonly removed: number;
  /** Temp files kept because a live process may still be writing them. */
  readonly kept: number;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as { code?: string }).code === "EPERM";
  }
}

/**
 * Removes temp files left behind by crashed writers. A temp file is stale when the
 * pid in its name is not a live process, or when it is older than `staleAfterMs`
 * (a pid can be reused; no write takes that long). Another live writer's fresh
 * temp file is kept. Temp files not named by this store are left alone.
 */
export function sweepTempFiles(root: string, ops: FileOps, staleAfterMs: number, now = Date.now()): SweepResult {
  let removed = 0;
  let kept = 0;
  for (const tenant of tenantNames(root, "quiet")) {
    const directory = join(root, tenant);
    for (const file of readDirectory(directory, "quiet") ?? []) {
      if (!file.isFile() || !file.name.endsWith(TEMP_EXTENSION)) continue;
      const pid = tempFileOwnerPid(file.name);
      if (pid === undefined) continue;
      const path = join(directory, file.name);
      let stale = pid !== process.pid && !processIsAlive(pid);
      if (!stale) {
        let mtimeMs: number | undefined;
        try {
          mtimeMs = ops.statSync(path)?.mtimeMs;
        } catch {
          continue; // unreadable: leave it to a later sweep
        }
        if (mtimeMs === undefined) continue; // gone already: its writer finished
        stale = now - mtimeMs > staleAfterMs;
      }
      if (!stale) {
        kept++;
        continue;
      }
      try {
        ops.unlinkSync(path);
        removed++;
      } catch {
        // Renamed or removed by its writer meanwhile, or not ours to remove.
      }
    }
  }
  return { removed, kept };
}
