/**
 * The entries the lookup index left out at its memory bound, per tenant: a lookup of a
 * tenant with any left out could miss them (`index_full`), and they are taken back once
 * there is room.
 */
export class DroppedEntries {
  readonly #byTenant = new Map<bigint, Set<bigint>>();
  #count = 0;

  /** Entries left out, over every tenant. */
  get count(): number {
    return this.#count;
  }

  /** The ids left out of `tenantId` (live: a copy is needed to change it while iterating), or undefined when none. */
  of(tenantId: bigint): ReadonlySet<bigint> | undefined {
    return this.#byTenant.get(tenantId);
  }

  /** True when `entryId` of `tenantId` is left out. */
  has(tenantId: bigint, entryId: bigint): boolean {
    return this.#byTenant.get(tenantId)?.has(entryId) === true;
  }

  /** Records that an entry was left out. */
  mark(tenantId: bigint, entryId: bigint): void {
    let dropped = this.#byTenant.get(tenantId);
    if (dropped === undefined) {
      dropped = new Set();
      this.#byTenant.set(tenantId, dropped);
    }
    if (!dropped.has(entryId)) this.#count++;
    dropped.add(entryId);
  }

  /** Forgets that an entry was left out (it was removed, or is indexed again now). */
  unmark(tenantId: bigint, entryId: bigint): void {
    const dropped = this.#byTenant.get(tenantId);
    if (dropped === undefined || !dropped.delete(entryId)) return;
    this.#count--;
    if (dropped.size === 0) this.#byTenant.delete(tenantId);
  }

  /** Forgets every entry of `tenantId`. */
  forgetTenant(tenantId: bigint): void {
    const dropped = this.#byTenant.get(tenantId);
    if (dropped === undefined) return;
    this.#count -= dropped.size;
    this.#byTenant.delete(tenantId);
  }
}
