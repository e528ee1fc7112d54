import { join } from "node:path";
import type { VerifyOptions, VerifyProblem, VerifyReport } from "./entry-store.ts";
import { entryIdText, isCanonicalDecimal } from "./layout.ts";
import { readDirectory } from "./read-directory.ts";
import type { ReadOptions } from "./read-entry.ts";
import { readEntryFile } from "./read-entry.ts";
import { isStoreError } from "./store-error.ts";

const PROGRESS_EVERY = 256;

/**
 * Walks the store (or one tenant), reads and verifies every entry file and reports
 * every corrupt, misplaced or unreadable one. Yields to the event loop every few
 * hundred files so a server keeps serving while it runs.
 */
export async function verifyStore(root: string, read: ReadOptions, options: VerifyOptions = {}): Promise<VerifyReport> {
  const tenants =
    options.tenantId === undefined
      ? (readDirectory(root) ?? [])
          .filter((entry) => entry.isDirectory() && isCanonicalDecimal(entry.name))
          .map((entry) => entry.name)
      : [options.tenantId.toString()];
  const work: { tenant: string; id: string }[] = [];
  for (const tenant of tenants) {
    for (const file of readDirectory(join(root, tenant)) ?? []) {
      const id = file.isFile() ? entryIdText(file.name) : undefined;
      if (id !== undefined) work.push({ tenant, id });
    }
  }
  const problems: VerifyProblem[] = [];
  let ok = 0;
  let done = 0;
  for (const { tenant, id } of work) {
    const tenantId = BigInt(tenant);
    const entryId = BigInt(id);
    const relative = `${tenant}/${id}.rfx`;
    try {
      readEntryFile(join(root, relative), tenantId, entryId, read).retain().drop();
      ok++;
    } catch (error) {
      if (isStoreError(error, "not_found")) {
        // Deleted while we walked: not a problem.
      } else if (isStoreError(error, "corrupt")) {
        problems.push({ tenantId, entryId, path: relative, reason: error.reason ?? "corrupt", message: error.message });
      } else {
        const message = error instanceof Error ? error.message : String(error);
        problems.push({ tenantId, entryId, path: relative, reason: "unreadable", message });
      }
    }
    done++;
    if (done % PROGRESS_EVERY === 0) {
      options.onProgress?.({ done, total: work.length });
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  options.onProgress?.({ done, total: work.length });
  return { checked: ok + problems.length, ok, problems };
}
