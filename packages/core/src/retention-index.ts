import { readEntryFileInfo } from "./entry-file-info.ts";
import { ENTRY_EXTENSION, tenantDirPath } from "./layout.ts";
import { entryIdTexts, tenantNames } from "./root-walk.ts";

/** One indexed entry. */
interface IndexedEntry {
  bytes: number;
  lastAccessMs: number;
  expiresAt: bigint;
}

/** One tenant's entries, least recently used first (Map insertion order is the LRU order). */
class TenantEntries {
  readonly entries = new Map<bigint, IndexedEntry>();
  bytes = 0;
}

/** An entry chosen for eviction. */
export interface Victim {
  readonly tenantId: bigint;
  readonly entryId: bigint;
}

const SCAN_CHUNK = 512;

/**
 * What a bounded store knows of every entry: size, last access and expiry, per
 * tenant in LRU order, with totals. Loads move an entry to the most-recent end
 * (two Map operations, no I/O); writes and deletes of this store update it in the
 * same synchronous step as their rename or unlink, so it is exact for this
 * process. It starts from a scan that runs in the background in small chunks
 * (never blocking a load or a store); entries it has not reached yet simply are
 * not eviction candidates until it does. Recency survives a restart through the
 * files' mtime, which the store writes back periodically.
 */
export class RetentionIndex {
  readonly #tenants = new Map<bigint, TenantEntries>();
  readonly #expiring = new Map<string, { tenantId: bigint; entryId: bigint; expiresAt: bigint }>();
  /** Tenants with entries loaded since the last takeTouched(), and which: no key building per load. */
  readonly #touched = new Map<bigint, Set<bigint>>();
  #entries = 0;
  #bytes = 0;
  #ready = false;
  /** Entries this store removed while the scan ran: a scan that saw them earlier must not bring them back. */
  readonly #deletedWhileBuilding = new Set<string>();
  /** Tenants deleted while the scan ran: what the scan found of them before is dropped. */
  readonly #tenantsDeletedWhileBuilding = new Set<bigint>();

  constructor(private readonly root: string) {}

  /** True once the background scan has covered the whole root. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Entries indexed. */
  get entryCount(): number {
    return this.#entries;
  }

  /** Bytes indexed. */
  get totalBytes(): number {
    return this.#bytes;
  }

  #tenant(tenantId: bigint): TenantEntries {
    let tenant = this.#tenants.get(tenantId);
    if (tenant === undefined) {
      tenant = new TenantEntries();
      this.#tenants.set(tenantId, tenant);
    }
    return tenant;
  }

  /** Entries and bytes of one tenant. */
  tenantUsage(tenantId: bigint): { entries: number; bytes: number } {
    const tenant = this.#tenants.get(tenantId);
    return { entries: tenant?.entries.size ?? 0, bytes: tenant?.bytes ?? 0 };
  }

  /** Tenants with at least one indexed entry. */
  tenantIds(): bigint[] {
    return [...this.#tenants].filter(([, t]) => t.entries.size > 0).map(([id]) => id);
  }

  /** Records a write (as the most recently used entry of its tenant). */
  written(tenantId: bigint, entryId: bigint, bytes: number, expiresAt: bigint, nowMs: number): void {
    this.deleted(tenantId, entryId);
    this.#insert(tenantId, entryId, { bytes, lastAccessMs: nowMs, expiresAt });
  }

  #insert(tenantId: bigint, entryId: bigint, entry: IndexedEntry): void {
    const tenant = this.#tenant(tenantId);
    tenant.entries.set(entryId, entry);
    tenant.bytes += entry.bytes;
    this.#entries++;
    this.#bytes += entry.bytes;
    if (entry.expiresAt !== 0n) {
      this.#expiring.set(`${tenantId}/${entryId}`, { tenantId, entryId, expiresAt: entry.expiresAt });
    }
  }

  /** Records a delete (or an eviction, or an expiry). */
  deleted(tenantId: bigint, entryId: bigint): void {
    if (!this.#ready) this.#deletedWhileBuilding.add(`${tenantId}/${entryId}`);
    const tenant = this.#tenants.get(tenantId);
    const entry = tenant?.entries.get(entryId);
    if (tenant === undefined || entry === undefined) return;
    tenant.entries.delete(entryId);
    tenant.bytes -= entry.bytes;
    this.#entries--;
    this.#bytes -= entry.bytes;
    if (entry.expiresAt !== 0n) this.#expiring.delete(`${tenantId}/${entryId}`);
    if (tenant.entries.size === 0) this.#tenants.delete(tenantId);
  }

  /** Records a whole tenant gone (its directory was deleted): forgets every entry of it. */
  tenantDeleted(tenantId: bigint): void {
    if (!this.#ready) this.#tenantsDeletedWhileBuilding.add(tenantId);
    const tenant = this.#tenants.get(tenantId);
    if (tenant === undefined) return;
    for (const [entryId, entry] of tenant.entries) {
      if (entry.expiresAt !== 0n) this.#expiring.delete(`${tenantId}/${entryId}`);
    }
    this.#entries -= tenant.entries.size;
    this.#bytes -= tenant.bytes;
    this.#tenants.delete(tenantId);
    this.#touched.delete(tenantId);
  }

  /** Records a load: the entry becomes its tenant's most recently used. */
  accessed(tenantId: bigint, entryId: bigint, nowMs: number): void {
    const entries = this.#tenants.get(tenantId)?.entries;
    const entry = entries?.get(entryId);
    if (entries === undefined || entry === undefined) return;
    entries.delete(entryId);
    entry.lastAccessMs = nowMs;
    entries.set(entryId, entry);
    let ids = this.#touched.get(tenantId);
    if (ids === undefined) {
      ids = new Set();
      this.#touched.set(tenantId, ids);
    }
    ids.add(entryId);
  }

  /**
   * The least recently used entry of `tenantId`, or across every tenant when
   * `tenantId` is undefined (the oldest of each tenant's oldest), skipping `keep`.
   */
  leastRecentlyUsed(tenantId: bigint | undefined, keep?: Victim): Victim | undefined {
    const tenants: [bigint, TenantEntries][] =
      tenantId === undefined ? [...this.#tenants] : [[tenantId, this.#tenants.get(tenantId) ?? new TenantEntries()]];
    let best: { victim: Victim; at: number } | undefined;
    for (const [id, tenant] of tenants) {
      for (const [entryId, entry] of tenant.entries) {
        if (keep !== undefined && keep.tenantId === id && keep.entryId === entryId) continue;
        if (best === undefined || entry.lastAccessMs < best.at) {
          best = { victim: { tenantId: id, entryId }, at: entry.lastAccessMs };
        }
        break; // the first (non-kept) entry is the tenant's least recently used
      }
    }
    return best?.victim;
  }

  /** Entries whose expiry is at or before `nowSeconds`. */
  expired(nowSeconds: bigint): Victim[] {
    const result: Victim[] = [];
    for (const { tenantId, entryId, expiresAt } of this.#expiring.values()) {
      if (expiresAt <= nowSeconds) result.push({ tenantId, entryId });
    }
    return result;
  }

  /** Entries loaded since the last call, with their last access, for writing back to the files. */
  takeTouched(): { tenantId: bigint; entryId: bigint; lastAccessMs: number }[] {
    const result: { tenantId: bigint; entryId: bigint; lastAccessMs: number }[] = [];
    for (const [tenantId, ids] of this.#touched) {
      for (const entryId of ids) {
        const entry = this.#tenants.get(tenantId)?.entries.get(entryId);
        if (entry !== undefined) result.push({ tenantId, entryId, lastAccessMs: entry.lastAccessMs });
      }
    }
    this.#touched.clear();
    return result;
  }

  /**
   * Scans the root in the background, a few hundred files per event-loop turn.
   * Entries this store writes or deletes meanwhile keep what the store said.
   */
  async build(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // not one file inside the constructor's turn
    for (const tenant of tenantNames(this.root, "quiet")) {
      const tenantId = BigInt(tenant);
      const directory = tenantDirPath(this.root, tenantId);
      const ids = entryIdTexts(directory, "quiet");
      const found: [bigint, IndexedEntry][] = [];
      for (let start = 0; start < ids.length; start += SCAN_CHUNK) {
        for (const id of ids.slice(start, start + SCAN_CHUNK)) {
          const info = readEntryFileInfo(`${directory}/${id}${ENTRY_EXTENSION}`);
          if (info !== undefined) found.push([BigInt(id), { ...info }]);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (!this.#tenantsDeletedWhileBuilding.has(tenantId)) this.#merge(tenantId, found);
    }
    this.#deletedWhileBuilding.clear();
    this.#tenantsDeletedWhileBuilding.clear();
    this.#ready = true;
  }

  /** Puts scanned entries in front of what this store recorded meanwhile, oldest access first. */
  #merge(tenantId: bigint, found: [bigint, IndexedEntry][]): void {
    const known = this.#tenants.get(tenantId);
    const recorded = known === undefined ? [] : [...known.entries];
    for (const [entryId] of recorded) this.deleted(tenantId, entryId);
    const recordedIds = new Set(recorded.map(([entryId]) => entryId));
    found.sort((a, b) => a[1].lastAccessMs - b[1].lastAccessMs);
    for (const [entryId, entry] of found) {
      if (recordedIds.has(entryId) || this.#deletedWhileBuilding.has(`${tenantId}/${entryId}`)) continue;
      this.#insert(tenantId, entryId, entry);
    }
    for (const [entryId, entry] of recorded) this.#insert(tenantId, entryId, entry);
  }
}
