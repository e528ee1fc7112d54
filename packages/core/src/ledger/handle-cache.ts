import { entryKey } from "../disk/layout.ts";
import type { LoadedFile } from "../handle/loaded-file.ts";
import type { LedgerSubscriber, RemovedEntry, WrittenEntry } from "./ledger.ts";
import { LruList, type LruNode } from "./lru-list.ts";

/** Bounds of the handle cache. */
export interface HandleCacheLimits {
  /** Most entries kept. 0 turns the cache off. */
  readonly maxEntries: number;
  /** Most file bytes kept (heap and mapped together). */
  readonly maxBytes: number;
}

interface Slot extends LruNode {
  readonly key: string;
  readonly file: LoadedFile;
}

/**
 * A bounded LRU of verified entry files, so a repeated load of an entry skips the
 * file system and the checksum. It holds one reference per file; eviction drops it
 * (unmapping it if no handle still uses it). A hit costs one Map lookup and a move in
 * an intrusive list, whatever the cache's size. As a ledger subscriber it forgets an
 * entry once this store's write or removal of it lands; writes by other processes
 * are not seen until the key is evicted (see README).
 */
export class HandleCache implements LedgerSubscriber {
  readonly #slots = new Map<string, Slot>();
  readonly #order = new LruList<Slot>();
  #bytes = 0;

  constructor(readonly limits: HandleCacheLimits) {}

  /** Cache key of an entry: its {@link entryKey}. */
  static key(tenantId: bigint, entryId: bigint): string {
    return entryKey(tenantId, entryId);
  }

  /** Entries held. */
  get size(): number {
    return this.#slots.size;
  }

  /** File bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The cached file for `key`, marked most recently used; undefined on a miss. */
  get(key: string): LoadedFile | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    this.#order.touch(slot);
    return slot.file;
  }

  /** Caches `file` under `key` (replacing any older one) and evicts past the bounds. */
  set(key: string, file: LoadedFile): void {
    const size = file.bytes.byteLength;
    if (this.limits.maxEntries <= 0 || size > this.limits.maxBytes) return;
    this.invalidate(key);
    const slot: Slot = { key, file: file.retain(), older: null, newer: null };
    this.#slots.set(key, slot);
    this.#order.push(slot);
    this.#bytes += size;
    while (this.#slots.size > this.limits.maxEntries || this.#bytes > this.limits.maxBytes) {
      const oldest = this.#order.oldest;
      if (oldest === null) break;
      this.invalidate(oldest.key);
    }
  }

  /** Forgets `key`. */
  invalidate(key: string): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    this.#slots.delete(key);
    this.#order.remove(slot);
    this.#bytes -= slot.file.bytes.byteLength;
    slot.file.drop();
  }

  /** Ledger: a new file replaced the cached one. */
  written(entry: WrittenEntry): void {
    this.invalidate(HandleCache.key(entry.tenantId, entry.entryId));
  }

  /** Ledger: the file was removed. */
  removed(entry: RemovedEntry): void {
    this.invalidate(HandleCache.key(entry.tenantId, entry.entryId));
  }

  /** Ledger: the file was found missing. */
  vanished(tenantId: bigint, entryId: bigint): void {
    this.invalidate(HandleCache.key(tenantId, entryId));
  }

  /** Ledger: the tenant's directory went (a tenant deletion): forgets its files. */
  tenantRemoved(tenantId: bigint): void {
    const prefix = `${tenantId}/`; // the tenant part of every key of its entries (see entryKey())
    for (const key of [...this.#slots.keys()]) if (key.startsWith(prefix)) this.invalidate(key);
  }

  /** Forgets everything. */
  clear(): void {
    for (const key of [...this.#slots.keys()]) this.invalidate(key);
  }
}
