import { statSync } from "node:fs";
import { join } from "node:path";
import { compareDecimal, entryIdText, isCanonicalDecimal } from "./layout.ts";
import { readDirectory } from "./read-directory.ts";

/** Entries and bytes of one tenant. */
export interface TenantUsage {
  readonly tenantId: bigint;
  readonly entryCount: number;
  readonly totalBytes: number;
}

/** The size of the store in total and per tenant (tenants ascending). */
export interface StorageUsage {
  readonly tenantCount: number;
  readonly entryCount: number;
  readonly totalBytes: number;
  readonly perTenant: readonly TenantUsage[];
}

interface Usage {
  entries: number;
  bytes: number;
}

/**
 * Scans the root: every tenant directory and the size of every entry file in it.
 * This is the exact figure the live counters start from and are checked against.
 */
export function scanUsage(root: string): Map<bigint, Usage> {
  const tenants = new Map<bigint, Usage>();
  for (const tenant of readDirectory(root) ?? []) {
    if (!tenant.isDirectory() || !isCanonicalDecimal(tenant.name)) continue;
    const usage: Usage = { entries: 0, bytes: 0 };
    const directory = join(root, tenant.name);
    for (const file of readDirectory(directory) ?? []) {
      if (!file.isFile() || entryIdText(file.name) === undefined) continue;
      const stat = statSync(join(directory, file.name), { throwIfNoEntry: false });
      if (stat === undefined) continue; // deleted meanwhile
      usage.entries++;
      usage.bytes += stat.size;
    }
    tenants.set(BigInt(tenant.name), usage);
  }
  return tenants;
}

/**
 * Live counts of entries and bytes, per tenant and in total, kept up to date by the
 * store's own writes and deletes and read in O(1) (totals) or O(tenants) (per tenant).
 * They start from a scan on first use. Each update uses the size the store saw on
 * disk right before its rename or unlink, in the same synchronous step, so the
 * figures stay exact for any sequence of this process's operations. Writes by other
 * processes are not seen: {@link LiveStats.rescan} brings the figures back in line.
 */
export class LiveStats {
  #tenants: Map<bigint, Usage> | null = null;
  #entries = 0;
  #bytes = 0;

  constructor(private readonly root: string) {}

  /** True once the figures have been initialised by a scan. */
  get started(): boolean {
    return this.#tenants !== null;
  }

  /** Replaces the figures with a fresh scan. */
  rescan(): void {
    this.#tenants = scanUsage(this.root);
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

  /** A tenant directory now exists (it counts as a tenant even while empty). */
  tenantCreated(tenantId: bigint): void {
    this.#tenant(tenantId);
  }

  /** A tenant directory was removed. */
  tenantRemoved(tenantId: bigint): void {
    const usage = this.#tenants?.get(tenantId);
    if (usage === undefined) return;
    this.#entries -= usage.entries;
    this.#bytes -= usage.bytes;
    this.#tenants?.delete(tenantId);
  }

  /** A file of `newBytes` was renamed into place over one of `oldBytes` (undefined: there was none). */
  written(tenantId: bigint, oldBytes: number | undefined, newBytes: number): void {
    const usage = this.#tenant(tenantId);
    if (usage === null) return;
    if (oldBytes === undefined) {
      usage.entries++;
      this.#entries++;
    }
    const delta = newBytes - (oldBytes ?? 0);
    usage.bytes += delta;
    this.#bytes += delta;
  }

  /** A file of `bytes` was unlinked. */
  deleted(tenantId: bigint, bytes: number): void {
    const usage = this.#tenant(tenantId);
    if (usage === null) return;
    usage.entries--;
    usage.bytes -= bytes;
    this.#entries--;
    this.#bytes -= bytes;
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
  totals(): { tenantCount: number; entryCount: number; totalBytes: number } {
    if (this.#tenants === null) this.rescan();
    return { tenantCount: this.#tenants?.size ?? 0, entryCount: this.#entries, totalBytes: this.#bytes };
  }
}
