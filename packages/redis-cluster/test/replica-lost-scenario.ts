// A master SIGKILLed under continuous writes and left dead: its replica is promoted and has
// no replica of its own until a fresh node is attached. Shared by the two tests of
// `whenReplicaLost` (replica-lost-refuse.test.ts, replica-lost-accept.test.ts).
import { isStoreError } from "@reflex/core";
import { sameBytes } from "@reflex/testkit";
import calculateSlot from "cluster-key-slot";
import Redis from "ioredis";
import { bucketKeys, bucketOf, namespaceKeys } from "../src/layout.ts";
import type { RedisClusterStore } from "../src/redis-cluster-store.ts";
import type { ShardReplicaChange, WhenReplicaLost } from "../src/shard-watch.ts";
import type { TestCluster } from "./cluster.ts";
import { attachFreshReplica, type FreshReplica } from "./fresh-replica.ts";
import { patternEntry, patternPayload } from "./pattern-entry.ts";

const CLIENTS = 32;
const KILL_AFTER_MS = 1500;
/** The shard stays without a replica at least this long after its replica took over. */
const LEFT_DEAD_MS = 4000;
/** Load goes on this long after the fresh replica is online. */
const AFTER_ATTACH_MS = 2000;
/** Hard bounds of the load phase and of each client's writes. */
const MAX_LOAD_MS = 90_000;
const MAX_WRITES_PER_CLIENT = 50_000;
/** Sequential writes to the killed master's slots at the end: all must have the full promise. */
const PROBES = 16;

/** How one write ended. */
type Outcome = "full" | "master-only" | "degraded" | "unavailable" | "unknown";

interface Write {
  readonly id: bigint;
  readonly tenantId: bigint;
  /** Its slot was the killed master's. */
  readonly onVictim: boolean;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly outcome: Outcome;
}

/** What one run measured. */
export interface ReplicaLostReport {
  readonly choice: WhenReplicaLost;
  readonly counts: Record<Outcome, number>;
  /** Acknowledged writes (full or master-only) not read back intact. */
  readonly lost: number;
  /** Master-only acknowledgements of a write outside the killed master's slots, whose tenant set is elsewhere too (must be 0). */
  readonly masterOnlyElsewhere: number;
  /** Refused `degraded` writes found stored (must be 0). */
  readonly refusedPresent: number;
  /** Outcome-unknown / unavailable writes found stored. */
  readonly uncertainLanded: number;
  /** Seconds after the kill: promotion, fresh replica online, last failed write on those slots. */
  readonly promotedAfter: number;
  readonly replicaAttachedAfter: number;
  readonly lastFailureAfter: number;
  /** Seconds after the kill: the first write sent after it to those slots that was acknowledged. */
  readonly firstAckAfter: number;
  /** The end probes' outcomes (all `full` when the promise came back). */
  readonly probes: readonly Outcome[];
  /** The killed master's shard as the notices must name it (its slot ranges), its master's port and its promoted replica's. */
  readonly victimShard: string;
  readonly victim: number;
  readonly promoted: number;
  readonly events: readonly ShardReplicaChange[];
  /** One paragraph for the log. */
  readonly summary: string;
}

/** Bytes of each payload. */
const PAYLOAD = 128;

function outcomeOf(error: unknown): Outcome {
  if (isStoreError(error, "degraded")) return "degraded";
  if (isStoreError(error, "storage_unavailable")) return "unavailable";
  return "unknown";
}

/** The slots the node on `port` says it serves as a master now (none when it does not answer). */
async function slotsOf(port: number): Promise<Set<number>> {
  const redis = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on("error", () => {});
  const slots = new Set<number>();
  try {
    await redis.connect();
    for (const [first, last, master] of await redis.cluster("SLOTS")) {
      if (master?.[1] !== port) continue;
      for (let slot = first; slot <= last; slot++) slots.add(slot);
    }
  } catch {
    // A node that does not answer serves nothing.
  } finally {
    redis.disconnect();
  }
  return slots;
}

/** The name a shard serving `slots` has in the notices: its ranges (see shard-names.ts). */
function rangesOf(slots: ReadonlySet<number>): string {
  const ranges: string[] = [];
  const sorted = [...slots].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; ) {
    const first = sorted[i] as number;
    let last = first;
    while (sorted[i + 1] === last + 1) last = sorted[++i] as number;
    ranges.push(first === last ? `${first}` : `${first}-${last}`);
    i++;
  }
  return ranges.join(",");
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(100);
  }
}

/** Loads every write again: acknowledged ones must be intact, refused ones absent. */
async function readBack(store: RedisClusterStore, writes: readonly Write[]) {
  let lost = 0;
  let refusedPresent = 0;
  let uncertainLanded = 0;
  for (let i = 0; i < writes.length; i += 64) {
    await Promise.all(
      writes.slice(i, i + 64).map(async (w) => {
        let present = false;
        try {
          const handle = await store.load(w.id, w.tenantId);
          present = sameBytes(handle.payloadBlob, patternPayload(w.id, PAYLOAD));
          handle.release();
        } catch (error) {
          if (!isStoreError(error, "not_found")) throw error;
        }
        if (w.outcome === "full" || w.outcome === "master-only") lost += present ? 0 : 1;
        else if (w.outcome === "degraded") refusedPresent += present ? 1 : 0;
        else uncertainLanded += present ? 1 : 0;
      }),
    );
  }
  return { lost, refusedPresent, uncertainLanded };
}

/**
 * Runs the scenario on `cluster` with `store` (opened with `whenReplicaLost: choice`, its
 * `onReplicaChange` feeding `events`): 32 writers, the first master SIGKILLed after 1.5 s and
 * left dead, its promoted replica left without one for 4 s more, then a fresh node attached
 * as its replica (pushed on `fresh` for the caller to stop) and 2 s more of load; then 16
 * sequential probe writes to the killed master's slots, and every write read back.
 */
export async function runReplicaLostScenario(
  cluster: TestCluster,
  store: RedisClusterStore,
  choice: WhenReplicaLost,
  events: readonly ShardReplicaChange[],
  fresh: FreshReplica[],
): Promise<ReplicaLostReport> {
  const namespace = store.storagePath.slice(store.storagePath.lastIndexOf("/") + 1);
  // The victim is a master without the namespace's tenant set: a write whose tenant-set add
  // went to the shard without a replica is rightly master-only wherever its entry is, and
  // masterOnlyElsewhere counts master-only answers of writes that never touched that shard.
  const tenantsSlot = calculateSlot(namespaceKeys(namespace).tenants);
  let victim = 0;
  let victimSlots = new Set<number>();
  const mastersBefore = await cluster.masterPorts();
  for (const port of mastersBefore) {
    victimSlots = await slotsOf(port);
    victim = port;
    if (!victimSlots.has(tenantsSlot)) break;
  }
  const onVictim = (tenantId: bigint, id: bigint) =>
    victimSlots.has(calculateSlot(bucketKeys(namespace, tenantId, bucketOf(id, store.buckets)).ids));
  const writes: Write[] = [];
  const start = performance.now();
  let killedAt = Number.POSITIVE_INFINITY;
  let stopAt = start + MAX_LOAD_MS;

  let lastError = "";
  const write = async (tenantId: bigint, id: bigint): Promise<Outcome> => {
    const startedAt = performance.now();
    let outcome: Outcome;
    try {
      const handle = await store.store(id, patternEntry(tenantId, id, PAYLOAD));
      outcome = handle.weakerDurability === "master-only" ? "master-only" : "full";
      handle.release();
    } catch (error) {
      outcome = outcomeOf(error);
      lastError = error instanceof Error ? error.message : String(error);
    }
    writes.push({ id, tenantId, onVictim: onVictim(tenantId, id), startedAt, endedAt: performance.now(), outcome });
    return outcome;
  };
  const client = async (index: number) => {
    const tenantId = BigInt(index % 4);
    for (let n = 0; n < MAX_WRITES_PER_CLIENT && performance.now() < stopAt; n++) {
      const outcome = await write(tenantId, BigInt(index) * 1_000_000n + BigInt(n));
      if (outcome !== "full" && outcome !== "master-only") await Bun.sleep(20); // a client backs off
    }
  };
  const chaos = (async () => {
    await Bun.sleep(KILL_AFTER_MS);
    cluster.kill(victim);
    killedAt = performance.now();
    let promoted = 0;
    await until("the replica's promotion", 30_000, async () => {
      for (const port of await cluster.masterPorts()) {
        if (port !== victim && [...(await slotsOf(port))].some((slot) => victimSlots.has(slot))) promoted = port;
      }
      return promoted !== 0;
    });
    const promotedAt = performance.now();
    await Bun.sleep(LEFT_DEAD_MS);
    const before = writes.length;
    await until("writes to the shard without a replica", 30_000, async () =>
      writes.slice(before).some((w) => w.onVictim),
    );
    fresh.push(await attachFreshReplica(cluster.dir, promoted));
    const attachedAt = performance.now();
    stopAt = Math.min(stopAt, attachedAt + AFTER_ATTACH_MS);
    return { promotedAt, attachedAt, promoted };
  })();
  chaos.catch(() => {
    stopAt = 0; // the clients stop; the failure is thrown below
  });
  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
  const { promotedAt, attachedAt, promoted } = await chaos;

  const probes: Outcome[] = [];
  const probeErrors: string[] = [];
  for (let id = 900_000_000n; probes.length < PROBES; id++) {
    if (!onVictim(0n, id)) continue;
    probes.push(await write(0n, id));
    if (probes.at(-1) !== "full") probeErrors.push(lastError);
  }
  const { lost, refusedPresent, uncertainLanded } = await readBack(store, writes);
  const counts: Record<Outcome, number> = { full: 0, "master-only": 0, degraded: 0, unavailable: 0, unknown: 0 };
  for (const w of writes) counts[w.outcome]++;
  const failedOnVictim = writes.filter(
    (w) => w.onVictim && w.endedAt >= killedAt && w.outcome !== "full" && w.outcome !== "master-only",
  );
  const lastFailure = failedOnVictim.reduce((max, w) => Math.max(max, w.endedAt), killedAt);
  const firstAck = writes
    .filter((w) => w.onVictim && w.startedAt >= killedAt && (w.outcome === "full" || w.outcome === "master-only"))
    .reduce((min, w) => Math.min(min, w.endedAt), Number.POSITIVE_INFINITY);
  const after = (at: number) => (at - killedAt) / 1000;
  const masterOnlyElsewhere = writes.filter((w) => w.outcome === "master-only" && !w.onVictim).length;
  const stats = store.replicaStats();
  const mastersAfter = await cluster.masterPorts();
  const summary = [
    `whenReplicaLost ${choice}: killed master ${victim} (left dead) at ${((killedAt - start) / 1000).toFixed(2)} s;` +
      ` replica promoted +${after(promotedAt).toFixed(2)} s, fresh replica online +${after(attachedAt).toFixed(2)} s`,
    `  writes ${writes.length}: full ${counts.full}, master-only ${counts["master-only"]}, refused degraded ${counts.degraded},` +
      ` unavailable ${counts.unavailable}, outcome-unknown ${counts.unknown} (${uncertainLanded} of the last two landed)`,
    `  lost ${lost}, refused present ${refusedPresent}; on the killed master's slots: first acknowledged write sent after the kill +${after(firstAck).toFixed(2)} s, last failed write +${after(lastFailure).toFixed(2)} s`,
    `  probes after the fresh replica: ${probes.join(" ")}; masters before ${mastersBefore.join(" ")}, after ${mastersAfter.join(" ")}`,
    ...probeErrors.map((message) => `  probe failed: ${message}`),
    `  replicaStats: master-only ${stats.masterOnlyWrites}, refused ${stats.refusedWrites}, without replica [${stats.shardsWithoutReplica.join(", ")}]`,
    `  events: ${events.map((e) => `${e.shard} (${e.master}) ${e.replicaLost ? "lost" : "back"}`).join(", ") || "none"}`,
  ].join("\n");
  return {
    choice,
    counts,
    lost,
    masterOnlyElsewhere,
    refusedPresent,
    uncertainLanded,
    promotedAfter: after(promotedAt),
    replicaAttachedAfter: after(attachedAt),
    lastFailureAfter: after(lastFailure),
    firstAckAfter: after(firstAck),
    probes,
    victimShard: rangesOf(victimSlots),
    victim,
    promoted,
    events,
    summary,
  };
}
