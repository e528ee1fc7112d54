import { readEntryFileInfo } from "../disk/entry-file-info.ts";
import { ENTRY_EXTENSION, tenantDirPath } from "../disk/layout.ts";
import { entryIdTexts, tenantNames } from "../disk/root-walk.ts";
import { type EntryInfo, EntryTable, type TenantRow } from "./entry-table.ts";

/** An entry chosen for eviction. */
export interface Victim {
  readonly tenantId: bigint;
  readonly entryId: bigint;
}

const SCAN_CHUNK = 512;
const NONE = -1;

/**
 * What a bounded store knows of every entry: size, last access and expiry, per
 * tenant in LRU order, with totals, in an {@link EntryTable} (typed-array columns,
 * ~45 bytes an entry). A load moves its entry to the most-recent end (a hash lookup and
 * a few index writes, no I/O, whatever the tenant's size); writes and deletes of this
 * store update it in the same synchronous step as their rename or unlink, so it is exact
 * for this process. It starts from a scan that runs in the background in small chunks
 * (never blocking a load or a store); entries it has not reached yet simply are not
 * eviction candidates until it does. Recency survives a restart through the files'
 * mtime, which the store writes back periodically.
 */
export class RetentionIndex {
  readonly #table = new EntryTable();
  /** Slots loaded since the last takeTouched() (flagged in the table, so each is listed once). */
  #touched: number[] = [];
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
    return this.#table.size;
  }

  /** Bytes indexed. */
  get totalBytes(): number {
    return this.#bytes;
  }

  /** Entries and bytes of one tenant. */
  tenantUsage(tenantId: bigint): { entries: number; bytes: number } {
    const row = this.#table.findTenant(tenantId);
    return { entries: row?.entries ?? 0, bytes: row?.bytes ?? 0 };
  }

  /** Tenants with at least one indexed entry. */
  tenantIds(): bigint[] {
    return this.#table
      .tenants()
      .filter((row) => row.entries > 0)
      .map((row) => row.tenantId);
  }

  /** Records a write (as the most recently used entry of its tenant). */
  written(tenantId: bigint, entryId: bigint, bytes: number, expiresAt: bigint, nowMs: number): void {
    this.deleted(tenantId, entryId);
    this.#insert(this.#table.tenant(tenantId), entryId, { bytes, lastAccessMs: nowMs, expiresAt });
  }

  #insert(row: TenantRow, entryId: bigint, info: EntryInfo): void {
    const slot = this.#table.add(row, entryId, info);
    this.#bytes += this.#table.info(slot).bytes;
  }

  /** Records a delete (or an eviction, or an expiry). */
  deleted(tenantId: bigint, entryId: bigint): void {
    if (!this.#ready) this.#deletedWhileBuilding.add(`${tenantId}/${entryId}`);
    const row = this.#table.findTenant(tenantId);
    const slot = row === undefined ? NONE : this.#table.find(row, entryId);
    if (slot === NONE) return;
    this.#bytes -= this.#table.info(slot).bytes;
    this.#table.remove(slot);
  }

  /** Records a whole tenant gone (its directory was deleted): forgets every entry of it. */
  tenantDeleted(tenantId: bigint): void {
    if (!this.#ready) this.#tenantsDeletedWhileBuilding.add(tenantId);
    const table = this.#table;
    const row = table.findTenant(tenantId);
    if (row === undefined) return;
    // Each removal is what deleted() does for one entry (the touched list copes the same way).
    for (let slot = row.oldest; slot !== NONE; slot = row.oldest) {
      this.#bytes -= table.info(slot).bytes;
      table.remove(slot);
    }
  }

  /** Records a load: the entry becomes its tenant's most recently used. */
  accessed(tenantId: bigint, entryId: bigint, nowMs: number): void {
    const row = this.#table.findTenant(tenantId);
    const slot = row === undefined ? NONE : this.#table.find(row, entryId);
    if (row === undefined || slot === NONE) return;
    this.#table.touch(row, slot, nowMs);
    if (this.#table.flag(slot)) this.#touched.push(slot);
  }

  /**
   * The least recently used entry of `tenantId`, or across every tenant when
   * `tenantId` is undefined (the oldest of each tenant's oldest), skipping `keep`.
   */
  leastRecentlyUsed(tenantId: bigint | undefined, keep?: Victim): Victim | undefined {
    const table = this.#table;
    const rows = tenantId === undefined ? table.tenants() : [table.findTenant(tenantId)];
    let best = NONE;
    for (const row of rows) {
      if (row === undefined) continue;
      let slot = row.oldest;
      if (
        slot !== NONE &&
        keep !== undefined &&
        keep.tenantId === row.tenantId &&
        keep.entryId === table.entryId(slot)
      ) {
        slot = table.newerThan(slot);
      }
      if (slot !== NONE && (best === NONE || table.lastAccessMs(slot) < table.lastAccessMs(best))) best = slot;
    }
    return best === NONE ? undefined : { tenantId: table.tenantOf(best).tenantId, entryId: table.entryId(best) };
  }

  /** Entries whose expiry is at or before `nowSeconds`. */
  expired(nowSeconds: bigint): Victim[] {
    const table = this.#table;
    return table
      .expiredSlots(Number(nowSeconds))
      .map((slot) => ({ tenantId: table.tenantOf(slot).tenantId, entryId: table.entryId(slot) }));
  }

  /** Entries loaded since the last call, with their last access, for writing back to the files. */
  takeTouched(): { tenantId: bigint; entryId: bigint; lastAccessMs: number }[] {
    const table = this.#table;
    const result: { tenantId: bigint; entryId: bigint; lastAccessMs: number }[] = [];
    // A slot removed since its load lost its flag: it is skipped.
    for (const slot of this.#touched) {
      if (!table.unflag(slot)) continue;
      result.push({
        tenantId: table.tenantOf(slot).tenantId,
        entryId: table.entryId(slot),
        lastAccessMs: table.lastAccessMs(slot),
      });
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
          if (info !== undefined) found.push([BigInt(id), info]);
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
  #merge(tenantId: bigint, found: [bigint, EntryInfo][]): void {
    const table = this.#table;
    const row = table.tenant(tenantId);
    const recorded: number[] = [];
    for (let slot = row.oldest; slot !== NONE; slot = table.newerThan(slot)) recorded.push(slot);
    for (const slot of recorded) table.unlink(row, slot);
    found.sort((a, b) => a[1].lastAccessMs - b[1].lastAccessMs);
    for (const [entryId, info] of found) {
      if (table.find(row, entryId) !== NONE || this.#deletedWhileBuilding.has(`${tenantId}/${entryId}`)) continue;
      this.#insert(row, entryId, info);
    }
    for (const slot of recorded) table.push(row, slot);
  }
}
