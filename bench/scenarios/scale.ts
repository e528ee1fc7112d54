/**
 * Scenario 3: how delete, exists, load, listEntries, stats() and liveTotals() grow
 * with the size of a tenant (1k vs 100k entries of 4 KiB; 1k vs 20k in quick mode).
 */
import { NvmeStorage } from "@reflex/core";
import { type FilledTenant, filledTenant, shuffledIds, warmPageCache } from "../fixtures.ts";
import { currentMode, measureOp } from "../harness.ts";
import type { Results } from "../results.ts";

const PAYLOAD_BYTES = 4 * 1024;

/** Tenant sizes of this run. */
export function tenantSizes(): number[] {
  return currentMode().quick ? [1000, 20_000] : [1000, 100_000];
}

/** A short label: 1k, 20k, 100k. */
export function sizeLabel(count: number): string {
  return count >= 1_000_000 ? `${count / 1_000_000}M` : `${count / 1000}k`;
}

/** Group name of a tenant size, shared with the targets. */
export const scaleGroup = (count: number) => `tenant of ${sizeLabel(count)}`;

/** The operations measured at each size, in table order. */
export const SCALE_OPERATIONS = [
  "loadSync (cache off)",
  "existsSync",
  "deleteSync durable",
  "deleteSync atomic",
  "listEntriesSync all",
  "listEntriesSync page of 100",
  "statsSync (scan)",
  "liveTotals",
] as const;

const deletesPerKind = () => (currentMode().quick ? 60 : 200);

/**
 * The tenant of `count` 4 KiB entries (ids 0..count-1) plus the pool of extra ids the
 * deletes consume, so the tenant shrinks back toward `count`. Shared with scenario 5.
 */
export function scaleTenant(count: number): FilledTenant {
  return filledTenant(count, PAYLOAD_BYTES, 2 * deletesPerKind() + 64);
}

/** Runs scenario 3. */
export async function runScale(results: Results): Promise<void> {
  const deletes = deletesPerKind();
  for (const count of tenantSizes()) {
    const tenant = scaleTenant(count);
    warmPageCache(tenant.root);
    const group = scaleGroup(count);
    const { tenantId } = tenant;
    const order = shuffledIds(count).map((id) => BigInt(id));
    let next = 0;
    const step = () => {
      next = next + 1 === count ? 0 : next + 1;
      return order[next] as bigint;
    };
    let sink = 0;
    const add = (subject: string, figure: Awaited<ReturnType<typeof measureOp>>, note?: string) =>
      results.add({ scenario: "scale", group, subject, figure, ...(note === undefined ? {} : { note }) });

    const cold = new NvmeStorage(tenant.root, { handleCache: { maxEntries: 0 }, sweepTempFiles: false });
    add(
      "loadSync (cache off)",
      await measureOp(() => {
        const handle = cold.loadSync(step(), tenantId);
        sink += handle.fileBytes;
        handle.release();
      }),
    );
    add(
      "existsSync",
      await measureOp(() => {
        if (cold.existsSync(step(), tenantId)) sink++;
      }),
    );
    let victim = BigInt(count);
    add(
      "deleteSync durable",
      await measureOp(() => cold.deleteSync(victim++, tenantId), { maxCalls: deletes }),
      "unlink + dir fsync",
    );
    const atomic = new NvmeStorage(tenant.root, {
      durability: "atomic",
      handleCache: { maxEntries: 0 },
      sweepTempFiles: false,
    });
    add(
      "deleteSync atomic",
      await measureOp(() => atomic.deleteSync(victim++, tenantId), { maxCalls: deletes }),
      "unlink only",
    );
    add(
      "listEntriesSync all",
      await measureOp(() => {
        sink += cold.listEntriesSync(tenantId).length;
      }),
    );
    const middle = BigInt(Math.floor(count / 2));
    add(
      "listEntriesSync page of 100",
      await measureOp(() => {
        sink += cold.listEntriesSync(tenantId, { limit: 100, after: middle }).length;
      }),
      "after = middle id",
    );
    add(
      "statsSync (scan)",
      await measureOp(
        () => {
          sink += cold.statsSync().entryCount;
        },
        { maxWarmupCalls: 1, minSamples: currentMode().quick ? 3 : 5 },
      ),
    );
    sink += cold.liveTotals().entryCount; // the first call scans; later ones are O(1)
    add(
      "liveTotals",
      await measureOp(() => {
        sink += cold.liveTotals().entryCount;
      }),
    );
    cold.close();
    atomic.close();
    if (sink === 42) console.log("");
  }
  if (!currentMode().quick) {
    results.notes.push(
      "Scenario 3 at 1M entries in a tenant is not run: filling it takes ~6 GB and several minutes per run; 1k vs 100k is measured.",
    );
  } else {
    results.notes.push("Quick mode compares tenants of 1k and 20k entries (full mode: 1k and 100k).");
  }
}
