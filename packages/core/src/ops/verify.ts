import type { VerifyOptions, VerifyProblem, VerifyReport } from "../contract/entry-store.ts";
import { isStoreError } from "../contract/store-error.ts";
import { type ReadOptions, readEntryFile } from "../disk/read-entry.ts";
import { entryFiles } from "../disk/root-walk.ts";

const PROGRESS_EVERY = 256;

/**
 * Walks the store (or one tenant), reads and verifies every entry file and reports
 * every corrupt, misplaced or unreadable one. Yields to the event loop every few
 * hundred files so a server keeps serving while it runs.
 */
export async function verifyStore(root: string, read: ReadOptions, options: VerifyOptions = {}): Promise<VerifyReport> {
  const work = entryFiles(root, options.tenantId === undefined ? {} : { tenantId: options.tenantId });
  const problems: VerifyProblem[] = [];
  let ok = 0;
  let done = 0;
  for (const { tenantId, entryId, relativePath: relative } of work) {
    try {
      readEntryFile(`${root}/${relative}`, tenantId, entryId, read).retain().drop();
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
