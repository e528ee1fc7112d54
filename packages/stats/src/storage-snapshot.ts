/** Entries and bytes of one tenant. */
export interface TenantUsage {
  readonly tenantId: bigint;
  readonly entryCount: number;
  readonly totalBytes: number;
}

/** The size of a store, in total and optionally per tenant (the core's stats and live stats fit this). */
export interface StorageSnapshot {
  readonly tenantCount: number;
  readonly entryCount: number;
  readonly totalBytes: number;
  readonly perTenant?: readonly TenantUsage[];
}

/** JSON form of a {@link StorageSnapshot}: tenant ids as decimal strings. */
export interface StorageSnapshotJson {
  readonly tenantCount: number;
  readonly entryCount: number;
  readonly totalBytes: number;
  readonly perTenant?: { readonly tenantId: string; readonly entryCount: number; readonly totalBytes: number }[];
}

/** Maps a snapshot to JSON (u64 tenant ids as decimal strings, as in the protobuf JSON mapping). */
export function storageSnapshotToJson(snapshot: StorageSnapshot): StorageSnapshotJson {
  const base = {
    tenantCount: snapshot.tenantCount,
    entryCount: snapshot.entryCount,
    totalBytes: snapshot.totalBytes,
  };
  if (snapshot.perTenant === undefined) return base;
  return {
    ...base,
    perTenant: snapshot.perTenant.map((tenant) => ({
      tenantId: tenant.tenantId.toString(),
      entryCount: tenant.entryCount,
      totalBytes: tenant.totalBytes,
    })),
  };
}
