import type { FileOps } from "../disk/file-ops.ts";
import type { WalLimits } from "./wal-limits.ts";
import { WriteAheadLog } from "./write-ahead-log.ts";

// One log per root per process, like the root's lock: the stores of a process on one
// root share it, so their records stay in one order and none replays another's live log.
const logs = new Map<string, WriteAheadLog>();

/**
 * The process's write-ahead log of `root` (absolute, normalised), made by the first store
 * that asks (with its file ops and limits) and shared by every later one.
 */
export function sharedLog(root: string, ops: FileOps, limits: WalLimits): WriteAheadLog {
  let log = logs.get(root);
  if (log === undefined) {
    log = new WriteAheadLog(root, ops, limits);
    logs.set(root, log);
  }
  return log;
}
