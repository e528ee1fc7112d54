/** The operations the store reports to an {@link OperationRecorder}. */
export type StoreOperation =
  | "store"
  | "load"
  | "load_many"
  | "delete"
  | "exists"
  | "list_entries"
  | "list_tenants"
  | "stats"
  | "verify"
  | "cleanup"
  | "touch"
  | "delete_tenant"
  | "search"
  | "find_by_context"
  | "gc";

/**
 * Where the store reports each operation, if anywhere. Owned by the core so that
 * `@reflex/stats` (or anything else) can implement it without the core importing it;
 * with no recorder the store does not even read the clock.
 */
export interface OperationRecorder {
  /**
   * One finished operation: its wall time in ns, the `StoreError` code it failed
   * with (null on success), and the bytes it moved (file bytes written by a store,
   * read by a load; 0 otherwise). Called on the hot path: keep it cheap.
   */
  record(operation: StoreOperation, durationNs: number, errorCode: string | null, bytes: number): void;
  /**
   * Optional: an entry removed by retention, `"expired"` (reason `"ttl"`) or
   * `"evicted"` (reason `"tenant_entries"`, `"tenant_bytes"`, `"root_entries"` or `"root_bytes"`).
   */
  retention?(event: "expired" | "evicted", reason: string): void;
}
