import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// tmpfs when there is one: the suite makes and removes thousands of small trees, none of
// which needs a disk (the disk is the model's).
const SCRATCH = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();

/** A fresh directory for a sim's page cache or a crash image; the caller removes it. */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(SCRATCH, prefix));
}
