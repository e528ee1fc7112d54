/**
 * Scenario 8: the store on a Redis Cluster (3 masters + 3 replicas of redis-server on
 * loopback, started for the scenario), 4 KiB entries with 64 in flight: `RedisClusterStore`
 * load and store side by side with raw ioredis GET / SET of the same envelope bytes on the
 * same cluster. Stores cycle over a fixed set of ids, so the cluster's memory stays bounded.
 * Then the HTTP server in a child process on the cluster vs on local files: GET payload and
 * PUT of 4 KiB entries at 64 connections (the fetch client).
 */

import { encodeEntryBody } from "@reflex/codec";
import { RedisClusterStore } from "@reflex/redis-cluster";
import { Cluster } from "ioredis";
import { redisServerAvailable, startCluster } from "../../packages/redis-cluster/test/cluster.ts";
import { type Child, serverEnv, startChild } from "../child-server.ts";
import { envelopeOf, freshDir, makeEntry, PAYLOAD_SIZES, removeDir } from "../fixtures.ts";
import { currentMode, measureSideBySide } from "../harness.ts";
import { fetchLoad, type RequestSpec } from "../http-client.ts";
import type { Results } from "../results.ts";
import { measureGroup } from "./http.ts";

const IN_FLIGHT = 64;
/** Ids each subject cycles over. */
const IDS = 4096;
const TENANT = 1n;

/** Scenario 8's HTTP groups start with this (the report keeps them out of scenario 4's table). */
export const CLUSTER_HTTP_PREFIX = "server on the cluster vs on files:";

/** Group names, shared with the targets. */
export const CLUSTER_GROUPS = {
  load: "cluster load 4 KiB, 64 in flight",
  atomic: "cluster store 4 KiB, 64 in flight, atomic (no WAIT)",
  replicated: "cluster store 4 KiB, 64 in flight, replicated (WAIT 1)",
} as const;
export const CLUSTER_SUBJECTS = {
  rawGet: "raw ioredis GET (auto-pipelined)",
  rawSet: "raw ioredis SET (auto-pipelined)",
  rawSetWait: "raw ioredis SET + WAIT 1",
  load: "reflex RedisClusterStore load",
  store: "reflex RedisClusterStore store",
} as const;

function windowOf(call: (i: number) => Promise<unknown>): () => Promise<unknown> {
  let next = 0;
  return () => {
    const calls: Promise<unknown>[] = new Array(IN_FLIGHT);
    for (let k = 0; k < IN_FLIGHT; k++) calls[k] = call(next++ % IDS);
    return Promise.all(calls);
  };
}

/** Runs the scenario, or leaves a note when `redis-server` is not installed. */
export async function runRedisCluster(results: Results): Promise<void> {
  if (!redisServerAvailable()) {
    results.notes.push(
      "scenario 8 (redis-cluster) not run: redis-server is not installed (apt-get install redis-server)",
    );
    return;
  }
  const cluster = await startCluster();
  const size = PAYLOAD_SIZES[0];
  const entry = makeEntry(TENANT, size.bytes);
  const envelope = Buffer.from(envelopeOf(0n, entry));
  // Raw ioredis with the options the store's own clients use (auto-pipelining on, reads from masters).
  const raw = new Cluster(
    cluster.seeds.split(",").map((seed) => ({ host: "127.0.0.1", port: Number(seed.split(":")[1]) })),
    { enableAutoPipelining: true, scaleReads: "master" },
  );
  const replicated = await RedisClusterStore.open({ nodes: cluster.seeds, namespace: "bench", sweepIntervalMs: 0 });
  const atomic = await RedisClusterStore.open({
    nodes: cluster.seeds,
    namespace: "bench",
    durability: "atomic",
    sweepIntervalMs: 0,
  });
  try {
    // The raw keys use hash tags like the store's, so both spread over the slots alike.
    const rawKey = (i: number) => `{raw:b${i % 16}}:${i}`;
    for (let i = 0; i < IDS; i += IN_FLIGHT) {
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async (_, k) => {
          await raw.set(rawKey(i + k), envelope);
          (await atomic.store(BigInt(i + k), entry)).release();
        }),
      );
    }
    const options = { opsPerCall: IN_FLIGHT };
    const add = (
      group: string,
      subject: string,
      figure: Awaited<ReturnType<typeof measureSideBySide>>[number],
      reference = false,
      note?: string,
    ) =>
      results.add({
        scenario: "redis-cluster",
        group,
        subject,
        figure,
        ...(reference ? { reference, referenceLabel: "raw ioredis" } : {}),
        ...(note === undefined ? {} : { note }),
      });

    const [rawGet, load] = await measureSideBySide([
      { fn: windowOf((i) => raw.getBuffer(rawKey(i))), options },
      {
        fn: windowOf(async (i) => {
          const handle = await replicated.load(BigInt(i), TENANT);
          handle.payloadBlob;
          handle.release();
        }),
        options,
      },
    ]);
    add(CLUSTER_GROUPS.load, CLUSTER_SUBJECTS.rawGet, rawGet as never, true);
    add(CLUSTER_GROUPS.load, CLUSTER_SUBJECTS.load, load as never, false, "GET + envelope CRC and decode");

    const [rawSet, storeAtomic] = await measureSideBySide([
      { fn: windowOf((i) => raw.set(rawKey(i), envelope)), options },
      { fn: windowOf(async (i) => (await atomic.store(BigInt(i), entry)).release()), options },
    ]);
    add(CLUSTER_GROUPS.atomic, CLUSTER_SUBJECTS.rawSet, rawSet as never, true);
    add(
      CLUSTER_GROUPS.atomic,
      CLUSTER_SUBJECTS.store,
      storeAtomic as never,
      false,
      "encode + one script: entry and index",
    );

    const [rawSetWait, storeReplicated] = await measureSideBySide([
      {
        fn: windowOf((i) => raw.pipeline().set(rawKey(i), envelope).wait(1, 1000).exec()),
        options,
      },
      { fn: windowOf(async (i) => (await replicated.store(BigInt(i), entry)).release()), options },
    ]);
    add(CLUSTER_GROUPS.replicated, CLUSTER_SUBJECTS.rawSetWait, rawSetWait as never, true, "one connection per node");
    add(
      CLUSTER_GROUPS.replicated,
      CLUSTER_SUBJECTS.store,
      storeReplicated as never,
      false,
      "script + WAIT on 4 write connections",
    );
    await runHttpOnCluster(results, cluster.seeds, encodeEntryBody(entry));
  } finally {
    raw.disconnect();
    await replicated.quit();
    await atomic.quit();
    await cluster.stop();
  }
}

/** The HTTP server on the cluster vs on files: GET payload, and PUT cycling over {@link IDS} ids. */
async function runHttpOnCluster(results: Results, seeds: string, body: Uint8Array): Promise<void> {
  const figureMs = currentMode().quick ? 1500 : 5000;
  const dir = freshDir("http-cluster");
  const children: Child[] = [];
  try {
    const main = ["bun", "apps/server/src/main.ts", "--port", "0", "--quiet"];
    const files = await startChild(main, serverEnv(dir));
    children.push(files);
    const onCluster = await startChild([...main, "--redis-cluster", seeds], serverEnv(dir));
    children.push(onCluster);
    const path = (id: number) => `/v1/tenants/${TENANT}/entries/${id}`;
    const headers = { "Content-Type": "application/x-protobuf" };
    for (const child of children) {
      const put = await fetch(`${child.url}${path(1)}`, { method: "PUT", headers, body });
      if (put.status !== 201 && put.status !== 200) throw new Error(`${child.url}: PUT answered ${put.status}`);
    }
    const subjects = (spec: RequestSpec) => [
      {
        name: "server on files (durable)",
        tool: "fetch client",
        reference: true,
        run: (ms: number) => fetchLoad(files.url, spec, IN_FLIGHT, ms),
      },
      {
        name: "server on the cluster (replicated)",
        tool: "fetch client",
        run: (ms: number) => fetchLoad(onCluster.url, spec, IN_FLIGHT, ms),
      },
    ];
    const getPayload: RequestSpec = { method: "GET", path: () => `${path(1)}/payload`, okStatus: [200] };
    await measureGroup(results, `${CLUSTER_HTTP_PREFIX} GET payload 4 KiB`, subjects(getPayload), figureMs);
    let next = 0;
    const put: RequestSpec = { method: "PUT", path: () => path(next++ % IDS), headers, body, okStatus: [200, 201] };
    await measureGroup(results, `${CLUSTER_HTTP_PREFIX} PUT entry 4 KiB`, subjects(put), figureMs);
  } finally {
    for (const child of children) await child.stop();
    removeDir(dir);
  }
}
