import type { GcReport, WalkProgress } from "../contract/entry-store.ts";
import { entryFiles } from "../disk/root-walk.ts";
import type { StoreContext } from "../store/store-context.ts";

const PROGRESS_EVERY = 256;

/** Options of {@link collectGarbage}. */
export interface GcOptions {
  /** Called every so often while expired entries are looked for. */
  readonly onProgress?: (progress: WalkProgress) => void;
}

/** Step 1: reads every entry file's header and removes the expired ones, yielding to the event loop as it goes. */
async function reclaimExpired(
  context: StoreContext,
  options: GcOptions,
): Promise<{ scanned: number; expired: number }> {
  const files = entryFiles(context.root);
  let expired = 0;
  let done = 0;
  for (const { tenantId, entryId } of files) {
    if (context.reclaimer.reclaimIfExpired(tenantId, entryId)) expired++;
    done++;
    if (done % PROGRESS_EVERY === 0) {
      options.onProgress?.({ done, total: files.length });
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  options.onProgress?.({ done, total: files.length });
  return { scanned: files.length, expired };
}

/**
 * A reclaim pass by hand (what `reflex gc` runs), as named steps: remove every
 * expired entry of the root, wait for the retention index, evict until the store is
 * within its bounds, write last-access times back.
 */
export async function collectGarbage(context: StoreContext, options: GcOptions = {}): Promise<GcReport> {
  context.lock.ensureWritable();
  const retention = context.retention;
  // Counted from before the first yield: the index may finish its scan, and evict down to
  // the bounds, during any of gc's yields. Those evictions are gc's to report.
  const evictionsBefore = retention?.evictionCount ?? 0;
  const { scanned, expired } = await reclaimExpired(context, options);
  if (retention === null) return { scanned, expired, evicted: 0 };
  await retention.ready; // its completion evicts down to the bounds, too
  retention.enforceAllBounds();
  retention.persistAccessTimes();
  return { scanned, expired, evicted: retention.evictionCount - evictionsBefore };
}
