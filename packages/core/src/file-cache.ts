import type { LedgerSubscriber, RemovedEntry, WrittenEntry } from "./ledger.ts";
import type { LoadedFile } from "./loaded-file.ts";

/** Bounds of the file cache. */
export interface FileCacheLimits {
  /** Most entries kept. 0 turns the cache off. */
  readonly maxEntries: number;
  /** Most file bytes kept (heap and mapped together). */
  readonly maxBytes: number;
}

/**
 * A bounded LRU of verified entry files, so a repeated load of an entry skips the
 * file system and the checksum. It holds one reference per file; eviction drops it
 * (unmapping it if no handle still uses it). As a ledger subscriber it forgets an
 * entry once this store's write or removal of it lands; writes by other processes
 * are not seen until the key is evicted (see README).
 */
export class FileCache implements LedgerSubscriber {
  readonly #files = new Map<string, LoadedFile>();
  #bytes = 0;

  constructor(readonly limits: FileCacheLimits) {}

  /** Cache key of an entry. */
  static key(tenantId: bigint, entryId: bigint): string {
    return `${tenantId}/${entryId}`;
  }

  /** Entries held. */
  get size(): number {
    return this.#files.size;
  }

  /** File bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The cached file for `key`, marked most recently used; undefined on a miss. */
  get(key: string): LoadedFile | undefined {
    const file = this.#files.get(key);
    if (file !== undefined) {
      this.#files.delete(key);
      this.#files.set(key, file);
    }
    return file;
  }

  /** Caches `file` under `key` (replacing any older one) and evicts past the bounds. */
  set(key: string, file: LoadedFile): void {
    const size = file.bytes.byteLength;
    if (this.limits.maxEntries <= 0 || size > this.limits.maxBytes) return;
    this.invalidate(key);
    this.#files.set(key, file.retain());
    this.#bytes += size;
    while (this.#files.size > this.limits.maxEntries || this.#bytes > this.limits.maxBytes) {
      const oldest = this.#files.keys().next();
      if (oldest.done) break;
      this.invalidate(oldest.value);
    }
  }

  /** Forgets `key`. */
  invalidate(key: string): void {
    const file = this.#files.get(key);
    if (file === undefined) return;
    this.#files.delete(key);
    this.#bytes -= file.bytes.byteLength;
    file.drop();
  }

  /** Ledger: a new file replaced the cached one. */
  written(entry: WrittenEntry): void {
    this.invalidate(FileCache.key(entry.tenantId, entry.entryId));
  }

  /** Ledger: the file was removed. */
  removed(entry: RemovedEntry): void {
    this.invalidate(FileCache.key(entry.tenantId, entry.entryId));
  }

  /** Ledger: the file was found missing. */
  vanished(tenantId: bigint, entryId: bigint): void {
    this.invalidate(FileCache.key(tenantId, entryId));
  }

  /** Ledger: the tenant's directory went (a tenant deletion): forgets its files. */
  tenantRemoved(tenantId: bigint): void {
    const prefix = `${tenantId}/`; // the tenant part of every key of its entries (see key())
    for (const key of [...this.#files.keys()]) if (key.startsWith(prefix)) this.invalidate(key);
  }

  /** Forgets everything. */
  clear(): void {
    for (const key of [...this.#files.keys()]) this.invalidate(key);
  }
}
