/** What the table keeps of one entry file. */
export interface EntryInfo {
  /** File size in bytes (kept saturated at 2^32 - 1). */
  readonly bytes: number;
  /** Last access, ms since the epoch. */
  readonly lastAccessMs: number;
  /** Unix seconds after which the entry is gone; 0 never (kept saturated at 2^32 - 1, the year 2106). */
  readonly expiresAt: bigint;
}

/** One tenant's entries: counts and the ends of its LRU list of slots. */
export interface TenantRow {
  readonly tenantId: bigint;
  readonly index: number;
  entries: number;
  bytes: number;
  /** Least recently used slot, -1 when empty. */
  oldest: number;
  /** Most recently used slot, -1 when empty. */
  newest: number;
}

const NONE = -1;
const FREE = 0xffff_ffff;
const U32_MAX = 0xffff_ffff;
const FIRST_CAPACITY = 1024;

/**
 * Every entry of a store as columns of typed arrays, one slot per entry: its id, tenant,
 * size, last access, expiry, and its links in its tenant's LRU list, plus an
 * open-addressing hash table from (tenant, id) to slot: 37 bytes of columns and 5 to 11
 * of buckets per slot; columns grow by half when full. Finding, touching, adding and
 * removing an entry cost the same whatever the table's size. Slots of removed entries
 * are reused.
 */
export class EntryTable {
  #capacity = 0;
  #ids = new BigUint64Array(0);
  #tenantOf = new Uint32Array(0);
  #older = new Int32Array(0);
  #newer = new Int32Array(0);
  #bytes = new Uint32Array(0);
  #lastAccess = new Float64Array(0);
  #expiresAt = new Uint32Array(0);
  #flags = new Uint8Array(0);
  /** Slot + 1 per bucket, 0 empty; a power of two, at most three quarters full. */
  #buckets = new Int32Array(0);
  #freeHead = NONE;
  #size = 0;
  readonly #tenants: TenantRow[] = [];
  readonly #tenantIndex = new Map<bigint, TenantRow>();
  readonly #scratch = new DataView(new ArrayBuffer(8));

  constructor() {
    this.#grow(FIRST_CAPACITY);
  }

  /** Entries in the table. */
  get size(): number {
    return this.#size;
  }

  /** The row of a tenant, made on first use. */
  tenant(tenantId: bigint): TenantRow {
    let row = this.#tenantIndex.get(tenantId);
    if (row === undefined) {
      row = { tenantId, index: this.#tenants.length, entries: 0, bytes: 0, oldest: NONE, newest: NONE };
      this.#tenants.push(row);
      this.#tenantIndex.set(tenantId, row);
    }
    return row;
  }

  /** The row of a tenant, if it ever had an entry. */
  findTenant(tenantId: bigint): TenantRow | undefined {
    return this.#tenantIndex.get(tenantId);
  }

  /** Every tenant row, empty ones included. */
  tenants(): readonly TenantRow[] {
    return this.#tenants;
  }

  /** The slot of an entry, or -1. */
  find(tenant: TenantRow, entryId: bigint): number {
    const mask = this.#buckets.length - 1;
    for (let bucket = this.#hash(tenant.index, entryId) & mask; ; bucket = (bucket + 1) & mask) {
      const slot = (this.#buckets[bucket] as number) - 1;
      if (slot === NONE) return NONE;
      if (this.#tenantOf[slot] === tenant.index && this.#ids[slot] === entryId) return slot;
    }
  }

  /** Adds an entry (not in the table) as its tenant's most recently used; returns its slot. */
  add(tenant: TenantRow, entryId: bigint, info: EntryInfo): number {
    if (this.#freeHead === NONE) this.#grow(Math.ceil(this.#capacity * 1.5));
    const slot = this.#freeHead;
    this.#freeHead = this.#newer[slot] as number;
    this.#ids[slot] = entryId;
    this.#tenantOf[slot] = tenant.index;
    this.#bytes[slot] = Math.min(info.bytes, U32_MAX);
    this.#lastAccess[slot] = info.lastAccessMs;
    this.#expiresAt[slot] = info.expiresAt > BigInt(U32_MAX) ? U32_MAX : Number(info.expiresAt);
    this.#flags[slot] = 0;
    this.#insertBucket(slot);
    this.push(tenant, slot);
    tenant.entries++;
    tenant.bytes += this.#bytes[slot] as number;
    this.#size++;
    return slot;
  }

  /** Removes the entry in `slot` from the table and its tenant's list. */
  remove(slot: number): void {
    const tenant = this.#tenants[this.#tenantOf[slot] as number] as TenantRow;
    this.unlink(tenant, slot);
    this.#removeBucket(slot);
    tenant.entries--;
    tenant.bytes -= this.#bytes[slot] as number;
    this.#tenantOf[slot] = FREE;
    this.#flags[slot] = 0;
    this.#newer[slot] = this.#freeHead;
    this.#freeHead = slot;
    this.#size--;
  }

  /** Appends `slot` (not in any list) at the most recently used end of `tenant`'s list. */
  push(tenant: TenantRow, slot: number): void {
    this.#older[slot] = tenant.newest;
    this.#newer[slot] = NONE;
    if (tenant.newest === NONE) tenant.oldest = slot;
    else this.#newer[tenant.newest] = slot;
    tenant.newest = slot;
  }

  /** Takes `slot` out of `tenant`'s list (it stays in the table). */
  unlink(tenant: TenantRow, slot: number): void {
    const older = this.#older[slot] as number;
    const newer = this.#newer[slot] as number;
    if (older === NONE) tenant.oldest = newer;
    else this.#newer[older] = newer;
    if (newer === NONE) tenant.newest = older;
    else this.#older[newer] = older;
  }

  /** Moves `slot` to the most recently used end of its tenant's list and stamps its access. */
  touch(tenant: TenantRow, slot: number, nowMs: number): void {
    this.#lastAccess[slot] = nowMs;
    if (tenant.newest === slot) return;
    this.unlink(tenant, slot);
    this.push(tenant, slot);
  }

  /** The slot after `slot` towards the recent end of its list, or -1. */
  newerThan(slot: number): number {
    return this.#newer[slot] as number;
  }

  /** The entry id in `slot`. */
  entryId(slot: number): bigint {
    return this.#ids[slot] as bigint;
  }

  /** The tenant of the entry in `slot`. */
  tenantOf(slot: number): TenantRow {
    return this.#tenants[this.#tenantOf[slot] as number] as TenantRow;
  }

  /** Last access of the entry in `slot`, ms. */
  lastAccessMs(slot: number): number {
    return this.#lastAccess[slot] as number;
  }

  /** The entry's fields, as {@link add} took them. */
  info(slot: number): EntryInfo {
    return {
      bytes: this.#bytes[slot] as number,
      lastAccessMs: this.#lastAccess[slot] as number,
      expiresAt: BigInt(this.#expiresAt[slot] as number),
    };
  }

  /** Sets the flag of a slot (cleared when the slot is removed or reused); true when it was clear. */
  flag(slot: number): boolean {
    if (this.#flags[slot] === 1) return false;
    this.#flags[slot] = 1;
    return true;
  }

  /** Clears the flag of a slot; true when it was set. */
  unflag(slot: number): boolean {
    if (this.#flags[slot] !== 1) return false;
    this.#flags[slot] = 0;
    return true;
  }

  /** Slots of the entries whose expiry is at or before `nowSeconds` (a scan of every slot). */
  expiredSlots(nowSeconds: number): number[] {
    const slots: number[] = [];
    for (let slot = 0; slot < this.#capacity; slot++) {
      const expiresAt = this.#expiresAt[slot] as number;
      if (expiresAt !== 0 && expiresAt <= nowSeconds && this.#tenantOf[slot] !== FREE) slots.push(slot);
    }
    return slots;
  }

  #hash(tenantIndex: number, entryId: bigint): number {
    this.#scratch.setBigUint64(0, entryId, true);
    const low = this.#scratch.getUint32(0, true);
    const high = this.#scratch.getUint32(4, true);
    let h = Math.imul(low ^ Math.imul(high, 0x9e3779b1) ^ Math.imul(tenantIndex + 1, 0x85ebca77), 0xc2b2ae3d);
    h ^= h >>> 15;
    return h >>> 0;
  }

  #insertBucket(slot: number): void {
    const mask = this.#buckets.length - 1;
    let bucket = this.#hash(this.#tenantOf[slot] as number, this.#ids[slot] as bigint) & mask;
    while (this.#buckets[bucket] !== 0) bucket = (bucket + 1) & mask;
    this.#buckets[bucket] = slot + 1;
  }

  /** Removes `slot`'s bucket, shifting later buckets of its run back (linear probing without tombstones). */
  #removeBucket(slot: number): void {
    const buckets = this.#buckets;
    const mask = buckets.length - 1;
    let hole = this.#hash(this.#tenantOf[slot] as number, this.#ids[slot] as bigint) & mask;
    while (buckets[hole] !== slot + 1) hole = (hole + 1) & mask;
    buckets[hole] = 0;
    for (let next = (hole + 1) & mask; buckets[next] !== 0; next = (next + 1) & mask) {
      const moved = (buckets[next] as number) - 1;
      const home = this.#hash(this.#tenantOf[moved] as number, this.#ids[moved] as bigint) & mask;
      // `moved` may fill the hole only if its home is not in the cyclic range (hole, next].
      const between = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!between) {
        buckets[hole] = moved + 1;
        buckets[next] = 0;
        hole = next;
      }
    }
  }

  #grow(capacity: number): void {
    const old = this.#capacity;
    const copy = <T extends { set(source: T): void }>(make: (n: number) => T, from: T): T => {
      const next = make(capacity);
      next.set(from);
      return next;
    };
    this.#ids = copy((n) => new BigUint64Array(n), this.#ids);
    this.#tenantOf = copy((n) => new Uint32Array(n), this.#tenantOf);
    this.#older = copy((n) => new Int32Array(n), this.#older);
    this.#newer = copy((n) => new Int32Array(n), this.#newer);
    this.#bytes = copy((n) => new Uint32Array(n), this.#bytes);
    this.#lastAccess = copy((n) => new Float64Array(n), this.#lastAccess);
    this.#expiresAt = copy((n) => new Uint32Array(n), this.#expiresAt);
    this.#flags = copy((n) => new Uint8Array(n), this.#flags);
    this.#capacity = capacity;
    // The new slots join the free list, lowest first.
    for (let slot = capacity - 1; slot >= old; slot--) {
      this.#tenantOf[slot] = FREE;
      this.#newer[slot] = this.#freeHead;
      this.#freeHead = slot;
    }
    // At most three quarters full (linear probing stays short), and a power of two for masking.
    this.#buckets = new Int32Array(2 ** Math.ceil(Math.log2((capacity * 4) / 3)));
    for (let slot = 0; slot < old; slot++) if (this.#tenantOf[slot] !== FREE) this.#insertBucket(slot);
  }
}
