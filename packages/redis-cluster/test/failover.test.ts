// Failover under load: 64 clients in flight (PUT and GET mixed) on a real cluster while one
// master is SIGKILLed; its replica takes over, the killed node is restarted (as a supervisor
// would) and rejoins as a replica. Then every acknowledged write is read back exactly.
import { afterAll, expect, test } from "bun:test";
import { isStoreError } from "@reflex/core";
import { sameBytes } from "@reflex/testkit";
import type { RedisClusterStore } from "../src/redis-cluster-store.ts";
import { patternEntry, patternPayload } from "./pattern-entry.ts";
import { useCluster } from "./use-cluster.ts";

const CLIENTS = 64;
const KILL_AFTER_MS = 2000;
/** Load goes on this long after the shard has a replica again. */
const AFTER_REJOIN_MS = 2000;
/** Hard bound of the load phase. */
const MAX_LOAD_MS = 40_000;
const MAX_OPS_PER_CLIENT = 20_000;

const harness = useCluster();
let store: RedisClusterStore | undefined;
afterAll(async () => {
  await store?.quit();
});

/** Bytes of each payload. */
const PAYLOAD = 256;

test("a master SIGKILLed under 64 clients in flight: no acknowledged write is lost", async () => {
  store = await harness.open({ namespace: "failover" });
  const s = store;
  const cluster = harness.cluster;
  const acknowledged = new Map<bigint, bigint>(); // id -> tenant
  const unknown = new Map<bigint, bigint>();
  const refused = new Map<bigint, bigint>();
  const errorCodes = new Map<string, number>();
  /** Why each refused write was refused, to name it if it is found stored. */
  const refusedWhy = new Map<bigint, string>();
  const failures: { at: number; kind: "read" | "write" }[] = [];
  let wrongReads = 0;
  let reads = 0;
  let writes = 0;
  const start = performance.now();
  let killedAt = Number.POSITIVE_INFINITY;
  let stopAt = start + MAX_LOAD_MS;

  const count = (code: string) => errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1);
  const client = async (index: number) => {
    const tenantId = BigInt(index % 4);
    const mine: bigint[] = [];
    for (let n = 0; n < MAX_OPS_PER_CLIENT && performance.now() < stopAt; n++) {
      const read = mine.length > 0 && n % 3 === 2;
      if (read) {
        const id = mine[(n * 7919) % mine.length] as bigint;
        reads++;
        try {
          const handle = await s.load(id, tenantId);
          if (!sameBytes(handle.payloadBlob, patternPayload(id, PAYLOAD))) wrongReads++;
          handle.release();
        } catch (error) {
          if (isStoreError(error, "not_found")) wrongReads++;
          count(`read ${isStoreError(error) ? error.code : "other"}`);
          failures.push({ at: performance.now(), kind: "read" });
        }
      } else {
        const id = BigInt(index) * 1_000_000n + BigInt(n);
        writes++;
        try {
          (await s.store(id, patternEntry(tenantId, id, PAYLOAD))).release();
          acknowledged.set(id, tenantId);
          mine.push(id);
        } catch (error) {
          const code = isStoreError(error) ? error.code : "other";
          count(`write ${code}`);
          (code === "outcome_unknown" || code === "other" ? unknown : refused).set(id, tenantId);
          if (code !== "outcome_unknown") refusedWhy.set(id, error instanceof Error ? error.message : String(error));
          failures.push({ at: performance.now(), kind: "write" });
        }
      }
    }
  };

  const chaos = (async () => {
    await Bun.sleep(KILL_AFTER_MS);
    const victim = (await cluster.masterPorts())[0] as number;
    cluster.kill(victim);
    killedAt = performance.now();
    // The replica's promotion, then the killed node back as its replica.
    for (;;) {
      const masters = await cluster.masterPorts();
      if (masters.length === 3 && !masters.includes(victim)) break;
      await Bun.sleep(100);
    }
    const promotedAt = performance.now();
    cluster.restart(victim);
    await cluster.waitHealthy();
    const rejoinedAt = performance.now();
    stopAt = Math.min(stopAt, rejoinedAt + AFTER_REJOIN_MS);
    return { victim, promotedAt, rejoinedAt };
  })();

  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
  const { victim, promotedAt, rejoinedAt } = await chaos;

  // Every acknowledged write, read back exactly; an outcome-unknown one is whole or absent; a refused one absent.
  let lost = 0;
  let unknownLanded = 0;
  let refusedPresent = 0;
  const check = async (ids: Map<bigint, bigint>, onMissing: () => void, onPresent: (id: bigint) => void) => {
    const list = [...ids];
    for (let i = 0; i < list.length; i += 64) {
      await Promise.all(
        list.slice(i, i + 64).map(async ([id, tenantId]) => {
          try {
            const handle = await s.load(id, tenantId);
            if (!sameBytes(handle.payloadBlob, patternPayload(id, PAYLOAD))) lost++;
            else onPresent(id);
            handle.release();
          } catch (error) {
            if (!isStoreError(error, "not_found")) throw error;
            onMissing();
          }
        }),
      );
    }
  };
  await check(
    acknowledged,
    () => lost++,
    () => {},
  );
  await check(
    unknown,
    () => {},
    () => unknownLanded++,
  );
  const presentWhy: string[] = [];
  await check(
    refused,
    () => {},
    (id) => {
      refusedPresent++;
      presentWhy.push(refusedWhy.get(id) ?? "?");
    },
  );

  const since = (at: number) => ((at - killedAt) / 1000).toFixed(2);
  const lastFailure = (kind: "read" | "write") =>
    failures.filter((f) => f.kind === kind && f.at >= killedAt).reduce((max, f) => Math.max(max, f.at), killedAt);
  const firstFailure = failures.filter((f) => f.at >= killedAt).reduce((min, f) => Math.min(min, f.at), Infinity);
  console.log(
    [
      `failover: killed master ${victim} at ${((killedAt - start) / 1000).toFixed(2)} s; replica promoted +${since(promotedAt)} s, old master back as replica +${since(rejoinedAt)} s`,
      `  ops: ${writes} writes, ${reads} reads by ${CLIENTS} clients in ${((performance.now() - start) / 1000).toFixed(1)} s`,
      `  acknowledged ${acknowledged.size}, lost ${lost}, outcome-unknown ${unknown.size} (${unknownLanded} landed), refused ${refused.size} (${refusedPresent} present), wrong reads ${wrongReads}`,
      `  failures after the kill: first +${since(firstFailure)} s, last read +${since(lastFailure("read"))} s, last write +${since(lastFailure("write"))} s`,
      `  error codes: ${[...errorCodes].map(([code, n]) => `${code} ${n}`).join(", ") || "none"}`,
      ...presentWhy.map((why) => `  refused but present: ${why}`),
    ].join("\n"),
  );
  expect(acknowledged.size).toBeGreaterThan(0);
  expect(lost).toBe(0);
  expect(wrongReads).toBe(0);
  expect(refusedPresent).toBe(0);
}, 120_000);
