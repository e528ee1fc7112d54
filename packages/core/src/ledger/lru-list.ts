/** A node of an {@link LruList}: the list threads its own links through the caller's objects. */
export interface LruNode {
  /** @internal the neighbour towards the least recently used end; managed by the list. */
  older: LruNode | null;
  /** @internal the neighbour towards the most recently used end; managed by the list. */
  newer: LruNode | null;
}

/**
 * Least-recently-used order as an intrusive doubly linked list: moving a node to the
 * recent end is four pointer writes, whatever the list's length. (The usual JS idiom,
 * `map.delete(k); map.set(k, v)` on a hot key, costs time that grows with the Map's size
 * on JavaScriptCore: see CONVENTIONS.md.) A node is in at most one list at a time.
 */
export class LruList<T extends LruNode> {
  #oldest: T | null = null;
  #newest: T | null = null;
  #length = 0;

  /** Nodes in the list. */
  get length(): number {
    return this.#length;
  }

  /** The least recently used node, or null when empty. */
  get oldest(): T | null {
    return this.#oldest;
  }

  /** Adds a node (not in any list) at the most recently used end. */
  push(node: T): void {
    node.older = this.#newest;
    node.newer = null;
    if (this.#newest === null) this.#oldest = node;
    else this.#newest.newer = node;
    this.#newest = node;
    this.#length++;
  }

  /** Takes a node out of the list. */
  remove(node: T): void {
    if (node.older === null) this.#oldest = node.newer as T | null;
    else node.older.newer = node.newer;
    if (node.newer === null) this.#newest = node.older as T | null;
    else node.newer.older = node.older;
    node.older = null;
    node.newer = null;
    this.#length--;
  }

  /** Moves a node of this list to the most recently used end. */
  touch(node: T): void {
    if (node === this.#newest) return;
    this.remove(node);
    this.push(node);
  }

  /** Nodes from the least to the most recently used. Do not remove nodes while iterating. */
  *fromOldest(): IterableIterator<T> {
    for (let node = this.#oldest; node !== null; node = node.newer as T | null) yield node;
  }

  /** Forgets every node (their links are left as they are: drop the nodes too). */
  clear(): void {
    this.#oldest = null;
    this.#newest = null;
    this.#length = 0;
  }
}
