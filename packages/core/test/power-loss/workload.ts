// Random workloads for the power-loss suite: what they are (fast-check arbitraries), how
// they run against a store on a SimFs, and where the power may be cut while they run.

import { makeEntry, patternBytes, sameBytes } from "@reflex/testkit";
import fc from "fast-check";
import type { Durability } from "../../src/contract/entry-store.ts";
import { isStoreError } from "../../src/contract/store-error.ts";
import type { NvmeStorage } from "../../src/store/nvme-storage.ts";
import { History } from "./history.ts";
import { type CrashImage, type Random, type SimFs, seededRandom } from "./sim-fs.ts";

/** Tenants and ids of a workload: few, so operations meet on the same keys. */
export const TENANTS = [1n, 2n] as const;
export const IDS = [1n, 2n, 3n] as const;

/** One operation of a workload. */
export type WorkloadOp =
  | {
      readonly kind: "put";
      readonly tenant: number;
      readonly id: number;
      readonly size: number;
      readonly durability?: Durability;
    }
  | { readonly kind: "delete"; readonly tenant: number; readonly id: number }
  | { readonly kind: "deleteTenant"; readonly tenant: number };

/** A step: one operation on the event loop's thread (sync API), or several in flight at once. */
export type WorkloadStep = { readonly sync: WorkloadOp } | { readonly inFlight: readonly WorkloadOp[] };

/** A workload: the store's default durability, its steps, and the seed of its cuts. */
export interface Workload {
  readonly durability: Durability;
  readonly steps: readonly WorkloadStep[];
  readonly seed: number;
}

const tenant = fc.integer({ min: 0, max: TENANTS.length - 1 });
const id = fc.integer({ min: 0, max: IDS.length - 1 });
// Sizes across the 4 KiB page, so a torn file can be torn inside the entry.
const size = fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 3000, max: 12_000 }));

const put = fc.record(
  {
    kind: fc.constant("put" as const),
    tenant,
    id,
    size,
    durability: fc.constantFrom<Durability>("fsync", "atomic"),
  },
  { requiredKeys: ["kind", "tenant", "id", "size"] },
);
const remove = fc.record({ kind: fc.constant("delete" as const), tenant, id });
const removeTenant = fc.record({ kind: fc.constant("deleteTenant" as const), tenant });
const syncOp = fc.oneof({ arbitrary: put, weight: 3 }, { arbitrary: remove, weight: 1 });
const anyOp = fc.oneof(
  { arbitrary: put, weight: 6 },
  { arbitrary: remove, weight: 2 },
  { arbitrary: removeTenant, weight: 1 },
);

/** Workloads of 2-8 steps, a third of them single sync operations, the rest 1-6 in flight. */
export const workloadArbitrary: fc.Arbitrary<Workload> = fc.record({
  durability: fc.constantFrom<Durability>("fsync", "fsync", "atomic"),
  steps: fc.array(
    fc.oneof(
      { arbitrary: syncOp.map((op) => ({ sync: op })), weight: 1 },
      { arbitrary: fc.array(anyOp, { minLength: 1, maxLength: 6 }).map((ops) => ({ inFlight: ops })), weight: 2 },
    ),
    { minLength: 2, maxLength: 8 },
  ),
  seed: fc.integer(),
});

/** `<tenant>/<id>`, the key of the history. */
export function keyOf(tenantId: bigint, entryId: bigint): string {
  return `${tenantId}/${entryId}`;
}

/** A power cut: the disk state drawn at that instant, and the logical time it happened at. */
export interface Cut {
  readonly image: CrashImage;
  readonly at: number;
}

/**
 * After each step, every key read back on the live store (load, exists and the listing)
 * must show what the step acknowledged: a write whose file is not in place yet included.
 * Returns a description of each mismatch.
 */
function checkLive(store: NvmeStorage, history: History): string[] {
  const wrong: string[] = [];
  for (const tenantId of TENANTS) {
    const listed = new Set(store.listEntriesSync(tenantId).map(String));
    for (const entryId of IDS) {
      const key = keyOf(tenantId, entryId);
      const allowed = history.liveAllowed(key);
      let value: Uint8Array | null = null;
      try {
        const handle = store.loadSync(entryId, tenantId);
        value = handle.payloadBlob.slice();
        handle.release();
      } catch (error) {
        if (!isStoreError(error) || error.code !== "not_found") throw error;
      }
      const ok = value === null ? allowed.absent : allowed.values.some((each) => sameBytes(each, value));
      if (!ok) wrong.push(`${key}: live read ${value === null ? "absent" : "holds a value not acknowledged last"}`);
      if (store.existsSync(entryId, tenantId) !== (value !== null)) wrong.push(`${key}: exists disagrees with load`);
      if (listed.has(String(entryId)) !== (value !== null)) wrong.push(`${key}: listing disagrees with load`);
    }
  }
  return wrong;
}

/** Runs a workload against `store` (on `sim`), drawing a crash image before every step of the model. */
export async function runWorkload(
  workload: Workload,
  store: NvmeStorage,
  sim: SimFs,
): Promise<{ history: History; cuts: Cut[]; live: string[] }> {
  const live: string[] = [];
  const history = new History();
  const cuts: Cut[] = [];
  const random: Random = seededRandom(workload.seed);
  sim.onStep = () => cuts.push({ image: sim.crashImage(random), at: history.now + 0.5 });
  let version = 0;
  const run = (op: WorkloadOp, sync: boolean): Promise<void> | undefined => {
    const tenantId = TENANTS[op.tenant] as bigint;
    if (op.kind === "deleteTenant") {
      const ops = IDS.map((entryId) =>
        history.invoke(keyOf(tenantId, entryId), null, workload.durability !== "atomic"),
      );
      return store.deleteTenant(tenantId).then(
        () => {
          for (const op of ops) history.respond(op);
        },
        (error) => {
          if (!isStoreError(error) || error.code !== "not_found") throw error;
          for (const op of ops) history.fail(op);
        },
      );
    }
    const entryId = IDS[op.id] as bigint;
    const key = keyOf(tenantId, entryId);
    if (op.kind === "put") {
      const payload = patternBytes(op.size, ++version * 7919 + Number(entryId));
      const durability = op.durability ?? workload.durability;
      const keyOp = history.invoke(key, payload, durability !== "atomic");
      const entry = makeEntry({ tenantId, contextHash: BigInt(version), payload });
      if (sync) {
        store.storeSync(entryId, entry, { durability });
        history.respond(keyOp);
        return undefined;
      }
      return store.store(entryId, entry, { durability }).then(() => history.respond(keyOp));
    }
    const keyOp = history.invoke(key, null, workload.durability !== "atomic");
    const missing = (error: unknown): void => {
      if (!isStoreError(error) || error.code !== "not_found") throw error;
      history.fail(keyOp);
    };
    if (sync) {
      try {
        store.deleteSync(entryId, tenantId);
        history.respond(keyOp);
      } catch (error) {
        missing(error);
      }
      return undefined;
    }
    return store.delete(entryId, tenantId).then(() => history.respond(keyOp), missing);
  };
  for (const step of workload.steps) {
    if ("sync" in step) run(step.sync, true);
    else await Promise.all(step.inFlight.map((op) => run(op, false)));
    live.push(...checkLive(store, history));
  }
  sim.onStep = null;
  cuts.push({ image: sim.crashImage(random), at: history.now + 0.5 });
  return { history, cuts, live };
}
