import { statSync } from "node:fs";
import type { StorageStats, StorageUsage, WalkProgress } from "../contract/entry-store.ts";
import { compareDecimal, ENTRY_EXTENSION, tenantDirPath } from "../disk/layout.ts";
import { entryIdTexts, tenantNames } from "../disk/root-walk.ts";
import type { LedgerSubscriber, RemovedEntry, WrittenEntry } from "./ledger.ts";

interface Usage {
  entries: number;
  bytes: number;
}

/** An entry acknowledged and not yet in its file (a write of the write-ahead log): the scan counts it as its file will be. */
export interface PendingEntry {
  readonly tenantId: bigint;
  readonly entryId: bigint;
  /** The envelope: exactly the bytes of the file to be. */
  readonly bytes: Uint8Array;
}

/** Where a scan finds the pending entries (none when the store keeps no log). */
export type PendingEntries = () => Iterable<PendingEntry>;

/** Counts each pending entry in place of the file under its name (if any), in the same synchronous step as the scan. */
function addPending(root: string, tenants: Map<bigint, Usage>, pending: PendingEntries): void {
  for (const { tenantId, entryId, bytes } of pending()) {
    const usage = tenants.get(tenantId) ?? { entries: 0, bytes: 0 };
    tenants.set(tenantId, usage);
    const file = statSync(`${tenantDirPath(root, tenantId)}/${entryId}${ENTRY_EXTENSION}`, { throwIfNoEntry: false });
    if (file === undefined) usage.entries++;
    usage.bytes += bytes.byteLength - (file?.size ?? 0);
  }
}

/**
 * Scans the root: every tenant directory and the size of every entry file in it.
 * This is the exact figure the live counters start from and are checked against.
 * With `onProgress`, every tenant directory is listed first (so the total is known), then
 * the files are counted, with a report every 1,024 files and one at the end. `pending`
 * entries (writes of the log not yet in place) count as the files they will be.
 */
export function scanUsage(
  root: string,
  onProgress?: (progress: WalkProgress) => void,
  pending?: PendingEntries,
): Map<bigint, Usage> {
  const tenantIds = tenantNames(root).map((tenant) => BigInt(tenant));
  // Without progress one tenant's ids are held at a time: the first scan of a large root stays small.
  const listed = onProgress === undefined ? null : tenantIds.map((id) => entryIdTexts(tenantDirPath(root, id)));
  const total = listed?.reduce((sum, ids) => sum + ids.length, 0) ?? 0;
  let done = 0;
  const tenants = new Map<bigint, Usage>();
  tenantIds.forEach((tenantId, index) => {
    const usage: Usage = { entries: 0, bytes: 0 };
    const directory = tenantDirPath(root, tenantId);
    for (const id of listed?.[index] ?? entryIdTexts(directory)) {
      const stat = statSync(`${directory}/${id}${ENTRY_EXTENSION}`, { throwIfNoEntry: false });
      done++;
      if (onProgress !== undefined && done % 1024 === 0) onProgress({ done, total });
      if (stat === undefined) continue; // deleted meanwhile
      usage.entries++;
      usage.bytes += stat.size;
    }
    tenants.set(tenantId, usage);
  });
  if (pending !== undefined) addPending(root, tenants, pending);
  onProgress?.({ done, total });
  return tenants;
}

/** The exact size of the store by a scan ({@link scanUsage} summed up). */
export function scanStats(root: string, pending?: PendingEntries): StorageStats {
  let entryCount = 0;
  let totalBytes = 0;
  const tenants = scanUsage(root, undefined, pending);
  for (const usage of tenants.values()) {
    entryCount += usage.entries;
    totalBytes += usage.bytes;
  }
  return { tenantCount: tenants.size, entryCount, totalBytes };
}

/**
 * Live counts of entries and bytes, per tenant and in total, kept up to date by the
 * store's own writes and deletes and read in O(1) (totals) or O(tenants) (per tenant).
 * They start from a scan on first use. Each update uses the size the store saw on
 * disk right before its rename or unlink, in the same synchronous step, so the
 * figures stay exact for any sequence of this process's operations. Writes by other
 * processes are not seen: {@link LiveStats.rescan} brings the figures back in line.
 */
export class LiveStats implements LedgerSubscriber {
  #tenants: Map<bigint, Usage> | null = null;
  #entries = 0;
  #bytes = 0;

  constructor(
    private readonly root: string,
    private readonly pending?: PendingEntries,
  ) {}

  /** True once the figures have been initialised by a scan. */
  get started(): boolean {
    return this.#tenants !== null;
  }

  /** Replaces the figures with a fresh scan. */
  rescan(onProgress?: (progress: WalkProgress) => void): void {
    this.#tenants = scanUsage(this.root, onProgress, this.pending);
    this.#entries = 0;
    this.#bytes = 0;
    for (const usage of this.#tenants.values()) {
      this.#entries += usage.entries;
      this.#bytes += usage.bytes;
    }
  }

  #tenant(tenantId: bigint): Usage | null {
    const tenants = this.#tenants;
    if (tenants === null) return null;
    let usage = tenants.get(tenantId);
    if (usage === undefined) {
      usage = { entries: 0, bytes: 0 };
      tenants.set(tenantId, usage);
    }
    return usage;
  }

  /** Ledger: a tenant directory now exists (it counts as a tenant even while empty). */
  tenantCreated(tenantId: bigint): void {
    this.#tenant(tenantId);
  }

  /** Ledger: a tenant directory was removed. */
  tenantRemoved(tenantId: bigint): void {
    const usage = this.#tenants?.get(tenantId);
    if (usage === undefined) return;
    this.#entries -= usage.entries;
    this.#bytes -= usage.bytes;
    this.#tenants?.delete(tenantId);
  }

  /** Ledger: a file was renamed into place, over one of `replacedBytes` (undefined: there was none). */
  written(entry: WrittenEntry): void {
    const usage = this.#tenant(entry.tenantId);
    if (usage === null) return;
    if (entry.replacedBytes === undefined) {
      usage.entries++;
      this.#entries++;
    }
    const delta = entry.fileBytes - (entry.replacedBytes ?? 0);
    usage.bytes += delta;
    this.#bytes += delta;
  }

  /** Ledger: a file was unlinked. */
  removed(entry: RemovedEntry): void {
    const usage = this.#tenant(entry.tenantId);
    if (usage === null) return;
    usage.entries--;
    usage.bytes -= entry.fileBytes;
    this.#entries--;
    this.#bytes -= entry.fileBytes;
  }

  /** Totals and per-tenant figures, starting from a scan if this is the first use. */
  snapshot(): StorageUsage {
    if (this.#tenants === null) this.rescan();
    const tenants = this.#tenants ?? new Map<bigint, Usage>();
    const perTenant = [...tenants]
      .map(([tenantId, usage]) => ({ tenantId, entryCount: usage.entries, totalBytes: usage.bytes }))
      .sort((a, b) => compareDecimal(a.tenantId.toString(), b.tenantId.toString()));
    return { tenantCount: tenants.size, entryCount: this.#entries, totalBytes: this.#bytes, perTenant };
  }

  /** Totals only, O(1) after the first scan. */
  totals(): StorageStats {
    if (this.#tenants === null) this.rescan();
    return { tenantCount: this.#tenants?.size ?? 0, entryCount: this.#entries, totalBytes: this.#bytes };
  }
}
