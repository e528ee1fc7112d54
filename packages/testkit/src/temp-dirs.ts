// Temp dirs for tests: made fresh, tracked, removed in one call from afterEach/afterAll.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/**
 * A fresh, empty dir `<tmp>/<prefix>XXXXXX`, removed by {@link removeTempDirs}.
 *
 * @example
 * afterEach(removeTempDirs);
 * const root = tempDir("reflex-cache-");
 */
export function tempDir(prefix = "reflex-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every dir made by {@link tempDir} so far (with what is in it). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
