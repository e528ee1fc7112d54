/**
 * How a store bounds itself. Every field is optional; with none set the store
 * keeps everything forever (the seed's behaviour).
 */
export interface RetentionOptions {
  /** Default time to live of a new entry, in seconds. 0 or absent: entries do not expire unless a write says so. */
  readonly defaultTtlSeconds?: number;
  /** Most entry-file bytes in the whole root. */
  readonly maxBytes?: number;
  /** Most entries in the whole root. */
  readonly maxEntries?: number;
  /** Most entry-file bytes of any one tenant. */
  readonly tenantMaxBytes?: number;
  /** Most entries of any one tenant. */
  readonly tenantMaxEntries?: number;
  /** How often expired entries are reclaimed in the background, in ms. Default 30 s; 0 turns the timer off. */
  readonly reclaimIntervalMs?: number;
  /** How often last-access times are written back to the files (mtime), in ms. Default 60 s; 0: only on close and gc. */
  readonly persistAccessIntervalMs?: number;
}

/** Retention options with every bound resolved (Infinity when unbounded). */
export interface ResolvedRetention {
  readonly defaultTtlSeconds: number;
  readonly maxBytes: number;
  readonly maxEntries: number;
  readonly tenantMaxBytes: number;
  readonly tenantMaxEntries: number;
  readonly reclaimIntervalMs: number;
  readonly persistAccessIntervalMs: number;
  /** True when any size bound is set: the store keeps an index of entries and evicts. */
  readonly bounded: boolean;
}

function bound(value: number | undefined, name: string): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isFinite(value) || value <= 0 || !Number.isInteger(value)) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || !Number.isInteger(value)) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

/** Validates and fills in defaults; throws a RangeError naming a bad option. */
export function resolveRetention(options: RetentionOptions = {}): ResolvedRetention {
  const resolved = {
    defaultTtlSeconds: nonNegative(options.defaultTtlSeconds, 0, "defaultTtlSeconds"),
    maxBytes: bound(options.maxBytes, "maxBytes"),
    maxEntries: bound(options.maxEntries, "maxEntries"),
    tenantMaxBytes: bound(options.tenantMaxBytes, "tenantMaxBytes"),
    tenantMaxEntries: bound(options.tenantMaxEntries, "tenantMaxEntries"),
    reclaimIntervalMs: nonNegative(options.reclaimIntervalMs, 30_000, "reclaimIntervalMs"),
    persistAccessIntervalMs: nonNegative(options.persistAccessIntervalMs, 60_000, "persistAccessIntervalMs"),
  };
  const bounded =
    Number.isFinite(resolved.maxBytes) ||
    Number.isFinite(resolved.maxEntries) ||
    Number.isFinite(resolved.tenantMaxBytes) ||
    Number.isFinite(resolved.tenantMaxEntries);
  return { ...resolved, bounded };
}
