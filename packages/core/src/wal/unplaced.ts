/**
 * One acknowledged write whose entry file is not in place yet. `lsn` is where its log
 * record ends; the placer uses it to tell a checkpoint when every record of a segment is
 * on disk. (A delete needs no item: its unlink is cheap and runs when it is acknowledged.)
 */
export interface Unplaced {
  readonly tenantId: bigint;
  readonly entryId: bigint;
  readonly lsn: number;
  /** The complete envelope, exactly the bytes of the entry file to be. */
  readonly bytes: Uint8Array;
  readonly headerBytes: number;
  /** Unix seconds after which the entry is gone; 0 never. */
  readonly expiresAt: bigint;
}

/**
 * The writes acknowledged by the log and not yet put in place, by entry key
 * (`<tenant>/<id>`). Every read path looks here first, so a read after an
 * acknowledgement sees the write; a delete (or eviction) drops the item as it unlinks. The
 * placer removes an item once the file system holds it (and only that item: a newer
 * write of the key stays). `bytes` counts the envelopes held.
 */
export class UnplacedWrites {
  readonly #byKey = new Map<string, Unplaced>();
  /** Tenant deletions: records of the tenant at or before this lsn are dropped when applied. */
  readonly #cuts = new Map<bigint, number>();
  #bytes = 0;

  /** Items held. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Envelope bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The last word on `key` not yet in place, if any. */
  get(key: string): Unplaced | undefined {
    return this.#byKey.get(key);
  }

  /** Records `item` as the last word on `key`; false (and nothing held) when a tenant deletion logged after it dropped it. */
  set(key: string, item: Unplaced): boolean {
    const cut = this.#cuts.get(item.tenantId);
    if (cut !== undefined && item.lsn <= cut) return false;
    this.#drop(key);
    this.#byKey.set(key, item);
    this.#bytes += item.bytes.byteLength;
    return true;
  }

  /** True while `item` is still the last word on `key`. */
  isCurrent(key: string, item: Unplaced): boolean {
    return this.#byKey.get(key) === item;
  }

  /** Forgets `item` once it is in place; a newer item of the key stays. */
  placed(key: string, item: Unplaced): void {
    if (this.#byKey.get(key) === item) this.#drop(key);
  }

  /** Forgets whatever `key` holds (its entry was deleted or evicted); returns it. */
  remove(key: string): Unplaced | undefined {
    const item = this.#byKey.get(key);
    this.#drop(key);
    return item;
  }

  /**
   * A tenant deletion at log position `lsn`: drops the tenant's items now, and any of its
   * records at or before `lsn` applied later (they were logged before the deletion).
   */
  cutTenant(tenantId: bigint, lsn: number): void {
    this.#cuts.set(tenantId, lsn);
    const prefix = `${tenantId}/`;
    for (const key of [...this.#byKey.keys()]) if (key.startsWith(prefix)) this.#drop(key);
  }

  /** Forgets the tenant cuts: every record logged before them has been applied. */
  clearCuts(): void {
    this.#cuts.clear();
  }

  /** The tenant's items (O(items held): for listings, which read the whole tenant anyway). */
  *ofTenant(tenantId: bigint): Iterable<Unplaced> {
    for (const item of this.#byKey.values()) if (item.tenantId === tenantId) yield item;
  }

  /** Every item held. */
  values(): IterableIterator<Unplaced> {
    return this.#byKey.values();
  }

  /** Every item, in the order they were last set. */
  entries(): IterableIterator<[string, Unplaced]> {
    return this.#byKey.entries();
  }

  #drop(key: string): void {
    const old = this.#byKey.get(key);
    if (old === undefined) return;
    this.#byKey.delete(key);
    this.#bytes -= old.bytes.byteLength;
  }
}
