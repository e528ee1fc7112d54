import { readEntryFileInfo } from "./entry-file-info.ts";
import { ENTRY_EXTENSION, tenantDirPath } from "./layout.ts";
import { LruList, type LruNode } from "./lru-list.ts";
import { entryIdTexts, tenantNames } from "./root-walk.ts";

/** What the index keeps of one entry file. */
interface EntryInfo {
  bytes: number;
  lastAccessMs: number;
  expiresAt: bigint;
}

/** One indexed entry, threaded into its tenant's LRU list. */
interface IndexedEntry extends EntryInfo, LruNode {
  readonly entryId: bigint;
  readonly tenant: TenantEntries;
  /** True while its last access waits to be written back (it is in the touched list). */
  touched: boolean;
}

/** One tenant's entries, with their LRU order. */
class TenantEntries {
  readonly entries = new Map<bigint, IndexedEntry>();
  readonly order = new LruList<IndexedEntry>();
  bytes = 0;

  constructor(readonly tenantId: bigint) {}
}

/** An entry chosen for eviction. */
export interface Victim {
  readonly tenantId: bigint;
  readonly entryId: bigint;
}

const SCAN_CHUNK = 512;

/**
 * What a bounded store knows of every entry: size, last access and expiry, per
 * tenant in LRU order, with totals. A load moves its entry to the most-recent end
 * (a Map lookup and four pointer writes, no I/O, whatever the tenant's size); writes
 * and deletes of this store update it in the same synchronous step as their rename or
 * unlink, so it is exact for this process. It starts from a scan that runs in the
 * background in small chunks (never blocking a load or a store); entries it has not
 * reached yet simply are not eviction candidates until it does. Recency survives a
 * restart through the files' mtime, which the store writes back periodically.
 */
export class RetentionIndex {
  readonly #tenants = new Map<bigint, TenantEntries>();
  readonly #expiring = new Set<IndexedEntry>();
  /** Entries loaded since the last takeTouched(): no key building per load. */
  #touched: IndexedEntry[] = [];
  #entries = 0;
  #bytes = 0;
  #ready = false;
  /** Entries this store removed while the scan ran: a scan that saw them earlier must not bring them back. */
  readonly #deletedWhileBuilding = new Set<string>();

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
      tenant = new TenantEntries(tenantId);
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

  #insert(tenantId: bigint, entryId: bigint, info: EntryInfo): void {
    const tenant = this.#tenant(tenantId);
    const entry: IndexedEntry = { ...info, entryId, tenant, touched: false, older: null, newer: null };
    tenant.entries.set(entryId, entry);
    tenant.order.push(entry);
    tenant.bytes += entry.bytes;
    this.#entries++;
    this.#bytes += entry.bytes;
    if (entry.expiresAt !== 0n) this.#expiring.add(entry);
  }

  /** Records a delete (or an eviction, or an expiry). */
  deleted(tenantId: bigint, entryId: bigint): void {
    if (!this.#ready) this.#deletedWhileBuilding.add(`${tenantId}/${entryId}`);
    const tenant = this.#tenants.get(tenantId);
    const entry = tenant?.entries.get(entryId);
    if (tenant === undefined || entry === undefined) return;
    tenant.entries.delete(entryId);
    tenant.order.remove(entry);
    tenant.bytes -= entry.bytes;
    this.#entries--;
    this.#bytes -= entry.bytes;
    if (entry.expiresAt !== 0n) this.#expiring.delete(entry);
    if (tenant.entries.size === 0) this.#tenants.delete(tenantId);
  }

  /** Records a load: the entry becomes its tenant's most recently used. */
  accessed(tenantId: bigint, entryId: bigint, nowMs: number): void {
    const tenant = this.#tenants.get(tenantId);
    const entry = tenant?.entries.get(entryId);
    if (tenant === undefined || entry === undefined) return;
    tenant.order.touch(entry);
    entry.lastAccessMs = nowMs;
    if (!entry.touched) {
      entry.touched = true;
      this.#touched.push(entry);
    }
  }

  /**
   * The least recently used entry of `tenantId`, or across every tenant when
   * `tenantId` is undefined (the oldest of each tenant's oldest), skipping `keep`.
   */
  leastRecentlyUsed(tenantId: bigint | undefined, keep?: Victim): Victim | undefined {
    const tenants: TenantEntries[] = [];
    if (tenantId === undefined) tenants.push(...this.#tenants.values());
    else {
      const tenant = this.#tenants.get(tenantId);
      if (tenant !== undefined) tenants.push(tenant);
    }
    let best: IndexedEntry | undefined;
    for (const tenant of tenants) {
      for (const entry of tenant.order.fromOldest()) {
        if (keep !== undefined && keep.tenantId === tenant.tenantId && keep.entryId === entry.entryId) continue;
        if (best === undefined || entry.lastAccessMs < best.lastAccessMs) best = entry;
        break; // the first (non-kept) entry is the tenant's least recently used
      }
    }
    return best === undefined ? undefined : { tenantId: best.tenant.tenantId, entryId: best.entryId };
  }

  /** Entries whose expiry is at or before `nowSeconds`. */
  expired(nowSeconds: bigint): Victim[] {
    const result: Victim[] = [];
    for (const entry of this.#expiring) {
      if (entry.expiresAt <= nowSeconds) result.push({ tenantId: entry.tenant.tenantId, entryId: entry.entryId });
    }
    return result;
  }

  /** Entries loaded since the last call, with their last access, for writing back to the files. */
  takeTouched(): { tenantId: bigint; entryId: bigint; lastAccessMs: number }[] {
    const result: { tenantId: bigint; entryId: bigint; lastAccessMs: number }[] = [];
    for (const entry of this.#touched) {
      entry.touched = false;
      // Still indexed (not deleted or replaced since it was loaded)?
      if (entry.tenant.entries.get(entry.entryId) !== entry) continue;
      result.push({ tenantId: entry.tenant.tenantId, entryId: entry.entryId, lastAccessMs: entry.lastAccessMs });
    }
    this.#touched = [];
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
      const found: [bigint, EntryInfo][] = [];
      for (let start = 0; start < ids.length; start += SCAN_CHUNK) {
        for (const id of ids.slice(start, start + SCAN_CHUNK)) {
          const info = readEntryFileInfo(`${directory}/${id}${ENTRY_EXTENSION}`);
          if (info !== undefined) found.push([BigInt(id), { ...info }]);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      this.#merge(tenantId, found);
    }
    this.#deletedWhileBuilding.clear();
    this.#ready = true;
  }

  /** Puts scanned entries in front of what this store recorded meanwhile, oldest access first. */
  #merge(tenantId: bigint, found: [bigint, EntryInfo][]): void {
    const known = this.#tenants.get(tenantId);
    const recorded = known === undefined ? [] : [...known.order.fromOldest()];
    for (const entry of recorded) known?.order.remove(entry);
    found.sort((a, b) => a[1].lastAccessMs - b[1].lastAccessMs);
    for (const [entryId, info] of found) {
      if (known?.entries.has(entryId) || this.#deletedWhileBuilding.has(`${tenantId}/${entryId}`)) continue;
      this.#insert(tenantId, entryId, info);
    }
    for (const entry of recorded) known?.order.push(entry);
  }
}
