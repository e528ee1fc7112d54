// A cluster shard's name: the slot ranges it serves ("0-5460"), not its master's address.
// A failover promotes a replica that serves the very same slots at another address, so the
// name of a shard survives it, and a notice about a shard that lost its replica names one
// shard through the whole episode (its dead master, then its promoted replica).
import type { Cluster } from "ioredis";
import { readError } from "./redis-errors.ts";

/** One entry of a `CLUSTER SLOTS` reply: first slot, last slot, the master, then its replicas. */
export type ClusterSlotsEntry = readonly [number, number, ...(readonly unknown[])];

/** How many slots a Redis Cluster has. */
const SLOTS = 16_384;

/** The identity of a `CLUSTER SLOTS` node entry (`[host, port, id, ...]`): its id, else its address. */
function nodeOf(entry: ClusterSlotsEntry): string {
  const node = entry[2] as readonly unknown[] | undefined;
  return String(node?.[2] ?? `${node?.[0]}:${node?.[1]}`);
}

/**
 * Names each slot's shard by all the slot ranges its master served in one `CLUSTER SLOTS`
 * reply, sorted and comma-separated (`"0-5460"`, `"0-100,5461-10922"`; one slot alone is
 * `"42"`). One reply is one node's consistent view, and a failover changes a range's master,
 * never the range: a reply from a node that has not yet heard of a promotion names the same
 * shards. A slot no reply covered is named `"slot N"`. A resharding after {@link update}
 * keeps the old names until the next one: they name what a notice is about, they decide
 * nothing (every write checks its own master's replicas, see replica-gate.ts).
 */
export class ShardNames {
  #bySlot: readonly string[] = [];

  /** Asks `client`'s cluster for its slot map and takes the names from it; `storage_unavailable` when it cannot. */
  async load(client: Cluster): Promise<void> {
    try {
      this.update(await client.cluster("SLOTS"));
    } catch (error) {
      throw readError("reading the slot map (CLUSTER SLOTS)", error);
    }
  }

  /** Takes the names from a `CLUSTER SLOTS` reply. */
  update(reply: readonly ClusterSlotsEntry[]): void {
    const ranges = new Map<string, [number, number][]>();
    for (const entry of reply) {
      const node = nodeOf(entry);
      ranges.set(node, [...(ranges.get(node) ?? []), [entry[0], entry[1]]]);
    }
    const bySlot: string[] = [];
    for (const list of ranges.values()) {
      list.sort((a, b) => a[0] - b[0]);
      const name = list.map(([first, last]) => (first === last ? `${first}` : `${first}-${last}`)).join(",");
      for (const [first, last] of list) {
        for (let slot = Math.max(0, first); slot <= Math.min(last, SLOTS - 1); slot++) bySlot[slot] = name;
      }
    }
    this.#bySlot = bySlot;
  }

  /** The name of the shard that serves `slot`. */
  of(slot: number): string {
    return this.#bySlot[slot] ?? `slot ${slot}`;
  }
}
