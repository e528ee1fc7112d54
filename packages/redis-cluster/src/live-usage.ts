import type { StorageUsage, TenantUsage } from "@reflex/core";

/**
 * This client's view of the cluster's size, for the synchronous `liveStats()`: replaced
 * with the cluster's counters by every `stats()` (and each sweep timer tick), and moved
 * by the deltas that this client's own writes, deletes and sweeps return. Writes by other
 * clients show up at the next refresh.
 */
export class LiveUsage {
  readonly #tenants = new Map<bigint, { entries: number; bytes: number }>();

  /** Adds a tenant (with nothing in it yet) when it is new to this view. */
  tenant(tenantId: bigint): void {
    if (!this.#tenants.has(tenantId)) this.#tenants.set(tenantId, { entries: 0, bytes: 0 });
  }

  /** Applies a change of one tenant's counts. */
  add(tenantId: bigint, entries: number, bytes: number): void {
    const usage = this.#tenants.get(tenantId) ?? { entries: 0, bytes: 0 };
    usage.entries += entries;
    usage.bytes += bytes;
    this.#tenants.set(tenantId, usage);
  }

  /** Drops a tenant from the view (it was deleted). */
  forget(tenantId: bigint): void {
    this.#tenants.delete(tenantId);
  }

  /** Replaces the whole view with counts read from the cluster. */
  replace(perTenant: readonly TenantUsage[]): void {
    this.#tenants.clear();
    for (const t of perTenant) this.#tenants.set(t.tenantId, { entries: t.entryCount, bytes: t.totalBytes });
  }

  /** The view, tenants ascending. */
  snapshot(): StorageUsage {
    const perTenant = [...this.#tenants]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([tenantId, usage]) => ({ tenantId, entryCount: usage.entries, totalBytes: usage.bytes }));
    return {
      tenantCount: perTenant.length,
      entryCount: perTenant.reduce((sum, t) => sum + t.entryCount, 0),
      totalBytes: perTenant.reduce((sum, t) => sum + t.totalBytes, 0),
      perTenant,
    };
  }
}
