// What this client last saw of each shard's replicas: which shards had no online replica
// at their last write, the writes accepted on a master alone, and the writes refused for it.
// A shard is named by its slot ranges (shard-names.ts), which a failover does not change.
import { ShardNames } from "./shard-names.ts";

/** What a write does on a shard with no online replica (see `RedisClusterOptions.whenReplicaLost`). */
export type WhenReplicaLost = "refuse" | "accept";

/** One shard as a write saw it: its name and the master the write was routed to. */
export interface ShardAt {
  /** The slot ranges it serves (`"0-5460"`): the same before and after a failover (see shard-names.ts). */
  readonly shard: string;
  /** Its master's `host:port` as this client's slot map named it for the write (it may lag a failover by a moment). */
  readonly master: string;
}

/** A shard was seen losing its last online replica, or having one again (see `onReplicaChange`). */
export interface ShardReplicaChange extends ShardAt {
  /** True: the shard has no online replica now; false: it has one again and writes have their full promise. */
  readonly replicaLost: boolean;
  /** What writes to it get while it has none: refused (`degraded`) or accepted on the master alone. */
  readonly whenReplicaLost: WhenReplicaLost;
}

/** Figures of {@link ShardWatch}: what `RedisClusterStore.replicaStats()` answers. */
export interface ReplicaStats {
  /** What writes to a shard with no online replica get. */
  readonly whenReplicaLost: WhenReplicaLost;
  /** Writes (puts, deletes, tenant-set changes) acknowledged on a shard's master alone, since open. */
  readonly masterOnlyWrites: number;
  /** Writes refused `degraded` because their shard had no online replica, since open. */
  readonly refusedWrites: number;
  /** Shards whose last write by this client found no online replica (their slot ranges, see {@link ShardAt}), sorted. */
  readonly shardsWithoutReplica: readonly string[];
}

/**
 * This client's view of its shards' replicas, learned from its own replicated writes (every
 * writing script checks `INFO replication` on its master) and from one probe of a master it
 * has not written to yet (or whose WAIT timed out): a shard enters the set when a write or
 * the probe finds it without an online replica and leaves it when a later one finds one. A
 * shard nobody writes to keeps the state of its last write. Each change is reported once to
 * the `onChange` callback (the server logs it); a callback that throws is ignored.
 */
export class ShardWatch {
  /** Names each slot's shard: updated from `CLUSTER SLOTS` when the store opens. */
  readonly names = new ShardNames();
  readonly #lost = new Set<string>();
  /** Shards whose replica state this client has learned (by a probe or a write), with the master it was learned at; probes running. */
  readonly #known = new Map<string, string>();
  readonly #probes = new Map<string, Promise<void>>();
  readonly #policy: WhenReplicaLost;
  readonly #onChange: ((change: ShardReplicaChange) => void) | null;
  #masterOnlyWrites = 0;
  #refusedWrites = 0;

  constructor(policy: WhenReplicaLost, onChange: ((change: ShardReplicaChange) => void) | null) {
    this.#policy = policy;
    this.#onChange = onChange;
  }

  /** True when this client's last write to `at` found no online replica. */
  isLost(at: ShardAt): boolean {
    return this.#lost.has(at.shard);
  }

  /**
   * Learns the replica state of `at`'s shard once per master (before the first replicated write
   * to it, again when its master is another one: a promoted replica, and after {@link forget}):
   * `probe` reads it (true: an online replica, false: none, undefined: it could not tell).
   * Concurrent callers share one probe.
   */
  learn(at: ShardAt, probe: () => Promise<boolean | undefined>): Promise<void> {
    if (this.#known.get(at.shard) === at.master) return Promise.resolve();
    const key = `${at.shard} ${at.master}`;
    let running = this.#probes.get(key);
    if (running === undefined) {
      running = probe()
        .then((online) => {
          // A probe that could not tell leaves it unknown: the next write asks again.
          if (online === true) this.replicaSeen(at);
          if (online === false) this.#enter(at);
        })
        .catch(() => {})
        .finally(() => this.#probes.delete(key));
      this.#probes.set(key, running);
    }
    return running;
  }

  /** The replica state of `at`'s shard is in doubt (a WAIT timed out): the next write learns it again. */
  forget(at: ShardAt): void {
    this.#known.delete(at.shard);
  }

  /** A write to `at` was accepted on its master alone. */
  acceptedMasterOnly(at: ShardAt): void {
    this.#masterOnlyWrites++;
    this.#enter(at);
  }

  /** A write to `at` was refused because it had no online replica. */
  refused(at: ShardAt): void {
    this.#refusedWrites++;
    this.#enter(at);
  }

  /** A write to `at` found an online replica. */
  replicaSeen(at: ShardAt): void {
    this.#known.set(at.shard, at.master);
    if (this.#lost.delete(at.shard)) this.#emit(at, false);
  }

  /** The figures, now. */
  stats(): ReplicaStats {
    return {
      whenReplicaLost: this.#policy,
      masterOnlyWrites: this.#masterOnlyWrites,
      refusedWrites: this.#refusedWrites,
      shardsWithoutReplica: [...this.#lost].sort(),
    };
  }

  #enter(at: ShardAt): void {
    this.#known.set(at.shard, at.master);
    if (this.#lost.has(at.shard)) return;
    this.#lost.add(at.shard);
    this.#emit(at, true);
  }

  #emit(at: ShardAt, replicaLost: boolean): void {
    try {
      this.#onChange?.({ shard: at.shard, master: at.master, replicaLost, whenReplicaLost: this.#policy });
    } catch {
      // A notice that fails must not fail the write that noticed.
    }
  }
}
