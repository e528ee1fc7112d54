/**
 * Scenario 4: the HTTP API over loopback at 64 connections. The Reflex server
 * (`apps/server/src/main.ts`, Hono on `Bun.serve`, durable store) and a bare
 * `Bun.serve` handler that answers the same bytes from memory
 * (`bench/fixtures/bare-server.ts`) each run in a child process, so the load
 * generator does not share their event loop. Load: the in-repo fetch client
 * (`bench/http-client.ts`) always, `wrk` too when it is on the PATH. Subjects of a
 * group are measured in interleaved rounds (A B, B A, ...), like the other scenarios.
 * The GETs and HEADs cycle over 1,000 entries; a batch-get asks for 100 of them at once.
 * Each figure gives the server's CPU per request (from /proc) beside its req/s. GET payload
 * is measured with the request log on, too (the others run `--quiet`).
 * Quick mode: 1.5 s of load per figure and 2 s of streaming (full: 10 s each).
 * PUT is compared with the in-process store (`store()`, durable, 64 in flight).
 * Last, the server's RSS (from /proc) and JS heap while it streams a 16 MiB payload.
 */
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeEntryBody } from "@reflex/codec";
import { NvmeStorage } from "@reflex/core";
import { type Child, cpuSeconds, serverEnv, startChild } from "../child-server.ts";
import { freshDir, makeEntry, removeDir } from "../fixtures.ts";
import { currentMode } from "../harness.ts";
import {
  fetchLoad,
  type LoadResult,
  poolResults,
  type RequestSpec,
  runLoops,
  type WrkTarget,
  wrkLoad,
  wrkPath,
} from "../http-client.ts";
import type { Results } from "../results.ts";
import { measureStreaming } from "./http-streaming.ts";

export const HTTP_CONNECTIONS = 64;
const TENANT = 1n;
const SMALL_ID = 1n;
const LARGE_ID = 2n;
const SMALL_PAYLOAD = 4 * 1024;
const LARGE_PAYLOAD = 16 * 1024 * 1024;
/** The GETs cycle over this many entries of 4 KiB, ids from CYCLE_FIRST on (all in the default handle cache). */
const CYCLE_FIRST = 100;
const CYCLE_COUNT = 1000;
/** Ids per batch-get request. */
const BATCH_IDS = 100;

/** Group and subject names, shared with the targets. */
export const HTTP_GROUPS = {
  payload: "GET payload 4 KiB",
  entry: "GET entry 4 KiB (protobuf)",
  head: "HEAD entry",
  put: "PUT entry 4 KiB (durable)",
  batch: `batch-get ${BATCH_IDS} entries of 4 KiB (protobuf)`,
} as const;
export const REFLEX_SUBJECT = "reflex server (Hono)";
/** The same server with its request log on (one line per request to its stdout, a pipe the bench drains). */
export const LOGGED_SUBJECT = "reflex server, request log on";
export const BARE_SUBJECT = "bare Bun.serve";
export const IN_PROCESS_SUBJECT = "in-process store()";

/** One server (or loop) under load in a group. */
export interface Subject {
  readonly name: string;
  readonly tool: string;
  readonly reference?: boolean;
  readonly note?: string;
  readonly run: (durationMs: number) => Promise<LoadResult>;
}

/** Measures `subjects` in interleaved rounds; each gets `totalMs` of load over all rounds. */
export async function measureGroup(results: Results, group: string, subjects: readonly Subject[], totalMs: number) {
  const rounds = currentMode().rounds;
  const pools: LoadResult[][] = subjects.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < subjects.length; k++) {
      const i = (k + round) % subjects.length;
      pools[i]?.push(await (subjects[i] as Subject).run(totalMs / rounds));
    }
  }
  for (const [i, subject] of subjects.entries()) {
    const pooled = poolResults(pools[i] ?? []);
    results.http.push({
      group,
      subject: subject.name,
      tool: subject.tool,
      connections: HTTP_CONNECTIONS,
      seconds: pooled.seconds,
      requests: pooled.requests,
      errors: pooled.errors,
      rps: pooled.rps,
      p50Ms: pooled.p50Ms,
      p99Ms: pooled.p99Ms,
      cpuUsPerRequest: pooled.cpuUsPerRequest,
      ...(subject.reference === true ? { reference: true } : {}),
      ...(subject.note === undefined ? {} : { note: subject.note }),
    });
    console.error(
      `[bench]   ${group} / ${subject.name} (${subject.tool}): ${pooled.rps.toFixed(0)} req/s, p50 ${pooled.p50Ms.toFixed(2)} ms, p99 ${pooled.p99Ms.toFixed(2)} ms, ${pooled.errors} errors`,
    );
  }
}

/** Subjects for both servers, with the fetch client and (when found, and wanted) wrk. */
function served(
  reflex: Child,
  bare: Child,
  spec: RequestSpec,
  target: WrkTarget,
  scratch: string,
  withWrk: boolean,
  logged?: Child,
): Subject[] {
  const list: Subject[] = [];
  const tools = withWrk && wrkPath() !== null ? ["fetch client", "wrk"] : ["fetch client"];
  const servers: [string, Child, boolean][] = [
    [REFLEX_SUBJECT, reflex, false],
    ...(logged === undefined ? [] : [[LOGGED_SUBJECT, logged, false] as [string, Child, boolean]]),
    [BARE_SUBJECT, bare, true],
  ];
  for (const tool of tools) {
    for (const [name, child, reference] of servers) {
      list.push({
        name,
        tool,
        ...(reference ? { reference: true } : {}),
        run: async (ms) => {
          const cpuBefore = cpuSeconds(child.pid);
          const result =
            tool === "wrk"
              ? await wrkLoad(child.url, spec, target, HTTP_CONNECTIONS, ms, scratch)
              : await fetchLoad(child.url, spec, HTTP_CONNECTIONS, ms);
          return { ...result, serverCpuSeconds: cpuSeconds(child.pid) - cpuBefore };
        },
      });
    }
  }
  return list;
}

/** Entries per second through batch-get against single GETs of whole entries, and its bytes per second. */
function noteBatchGain(results: Results, batchBytes: number): void {
  for (const tool of ["wrk", "fetch client"]) {
    const rps = (group: string, subject: string) =>
      results.http.find((p) => p.group === group && p.subject === subject && p.tool === tool)?.rps;
    const single = rps(HTTP_GROUPS.entry, REFLEX_SUBJECT);
    const batched = rps(HTTP_GROUPS.batch, REFLEX_SUBJECT);
    const bare = rps(HTTP_GROUPS.batch, BARE_SUBJECT);
    if (single === undefined || batched === undefined || bare === undefined) continue;
    const mib = (perSecond: number) => ((perSecond * batchBytes) / 2 ** 20).toFixed(0);
    results.notes.push(
      `Scenario 4 (${tool}): batch-get of ${BATCH_IDS} gives ${(batched * BATCH_IDS).toFixed(0)} entries/s, ` +
        `${((batched * BATCH_IDS) / single).toFixed(1)}x the ${single.toFixed(0)} entries/s of single GET entry; ` +
        `${mib(batched)} MiB/s of answers against ${mib(bare)} MiB/s from the bare server sending the same bytes.`,
    );
  }
}

/** Runs scenario 4. */
export async function runHttp(results: Results): Promise<void> {
  const quick = currentMode().quick;
  const figureMs = quick ? 1500 : 10_000;
  const dir = freshDir("http");
  const root = join(dir, "reflex");
  const small = makeEntry(TENANT, SMALL_PAYLOAD);
  const seed = new NvmeStorage(root, { durability: "atomic", handleCache: { maxEntries: 0 } });
  seed.storeSync(SMALL_ID, small).release();
  seed.storeSync(LARGE_ID, makeEntry(TENANT, LARGE_PAYLOAD)).release();
  for (let id = CYCLE_FIRST; id < CYCLE_FIRST + CYCLE_COUNT; id++) seed.storeSync(BigInt(id), small).release();
  seed.close();
  const payloadFile = join(dir, "payload.bin");
  const entryFile = join(dir, "entry.bin");
  const batchFile = join(dir, "batch.bin");
  writeFileSync(payloadFile, small.payloadBlob);
  writeFileSync(entryFile, encodeEntryBody(small));

  const entryPath = `/v1/tenants/${TENANT}/entries/${SMALL_ID}`;
  const putPrefix = `/v1/tenants/${TENANT}/entries/`;
  const putBody = encodeEntryBody(small);
  const cycled = (suffix: string) => ({
    path: (n: number) => `${putPrefix}${CYCLE_FIRST + (n % CYCLE_COUNT)}${suffix}`,
    target: { cycle: { prefix: putPrefix, first: CYCLE_FIRST, count: CYCLE_COUNT, suffix } } satisfies WrkTarget,
  });
  const batchPath = `/v1/tenants/${TENANT}/entries/batch-get`;
  const batchBody = new TextEncoder().encode(
    JSON.stringify({ ids: Array.from({ length: BATCH_IDS }, (_, i) => `${CYCLE_FIRST + i}`) }),
  );
  const children: Child[] = [];
  try {
    const reflex = await startChild(["bun", "apps/server/src/main.ts", "--port", "0", "--quiet"], serverEnv(root));
    children.push(reflex);
    // Its own copy of the root: a root has one writer (its lock).
    cpSync(root, `${root}-logged`, { recursive: true });
    const logged = await startChild(["bun", "apps/server/src/main.ts", "--port", "0"], serverEnv(`${root}-logged`));
    children.push(logged);
    // The bare server answers a batch with the very bytes the Reflex server gives.
    const batchAnswer = await fetch(`${reflex.url}${batchPath}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/x-protobuf" },
      body: batchBody,
    });
    const batchBytes = new Uint8Array(await batchAnswer.arrayBuffer());
    if (batchAnswer.status !== 200) throw new Error(`${reflex.url}: batch-get answered ${batchAnswer.status}`);
    writeFileSync(batchFile, batchBytes);
    const bare = await startChild(
      ["bun", join("bench", "fixtures", "bare-server.ts"), payloadFile, entryFile, batchFile],
      { ...process.env },
    );
    children.push(bare);
    // Both answer before anything is timed (and the store's first load is not in a figure).
    for (const child of [reflex, logged, bare]) {
      const check = await fetch(`${child.url}${entryPath}/payload`);
      const bytes = new Uint8Array(await check.arrayBuffer());
      if (check.status !== 200 || bytes.byteLength !== SMALL_PAYLOAD) {
        throw new Error(`${child.url}: GET payload answered ${check.status}, ${bytes.byteLength} bytes`);
      }
    }

    const payloads = cycled("/payload");
    const getPayload: RequestSpec = { method: "GET", path: payloads.path, okStatus: [200] };
    await measureGroup(
      results,
      HTTP_GROUPS.payload,
      served(reflex, bare, getPayload, payloads.target, dir, true, logged),
      figureMs,
    );
    await logged.stop();
    children.splice(children.indexOf(logged), 1);
    const entries = cycled("");
    const protobuf = { Accept: "application/x-protobuf" };
    const getEntry: RequestSpec = { method: "GET", path: entries.path, headers: protobuf, okStatus: [200] };
    await measureGroup(results, HTTP_GROUPS.entry, served(reflex, bare, getEntry, entries.target, dir, true), figureMs);
    const head: RequestSpec = { method: "HEAD", path: entries.path, okStatus: [200] };
    await measureGroup(results, HTTP_GROUPS.head, served(reflex, bare, head, entries.target, dir, true), figureMs);
    const batch: RequestSpec = {
      method: "POST",
      path: () => batchPath,
      headers: { ...protobuf, "Content-Type": "application/json" },
      body: batchBody,
      okStatus: [200],
    };
    await measureGroup(
      results,
      HTTP_GROUPS.batch,
      served(reflex, bare, batch, { fixed: batchPath }, dir, true),
      figureMs,
    );
    noteBatchGain(results, batchBytes.byteLength);

    // PUT: a new id per request (ids from 1e6 on; wrk threads count from 1e9, 2e9).
    let nextId = 1_000_000;
    const put: RequestSpec = {
      method: "PUT",
      path: () => `${putPrefix}${nextId++}`,
      headers: { "Content-Type": "application/x-protobuf" },
      body: putBody,
      okStatus: [201, 200],
    };
    const inProcessDir = freshDir("http-store");
    const inProcess = new NvmeStorage(inProcessDir, { handleCache: { maxEntries: 0 } });
    let inProcessId = 0n;
    const putSubjects: Subject[] = [
      {
        name: IN_PROCESS_SUBJECT,
        tool: "64 async loops",
        reference: true,
        note: "durable NvmeStorage.store() in the bench process, 64 in flight",
        run: (ms) =>
          runLoops(
            HTTP_CONNECTIONS,
            ms,
            async () => {
              (await inProcess.store(inProcessId++, small)).release();
              return true;
            },
            "64 async loops",
          ),
      },
      { name: REFLEX_SUBJECT, tool: "fetch client", run: (ms) => fetchLoad(reflex.url, put, HTTP_CONNECTIONS, ms) },
    ];
    if (wrkPath() !== null && !quick) {
      putSubjects.push({
        name: REFLEX_SUBJECT,
        tool: "wrk",
        run: (ms) => wrkLoad(reflex.url, put, { prefix: putPrefix }, HTTP_CONNECTIONS, ms, dir),
      });
    }
    try {
      await measureGroup(results, HTTP_GROUPS.put, putSubjects, figureMs);
    } finally {
      inProcess.close();
      removeDir(inProcessDir);
    }
    await reflex.stop();
    await bare.stop();
    children.length = 0;

    await measureStreaming(results, root, quick ? 2000 : 10_000, {
      tenantId: TENANT,
      entryId: LARGE_ID,
      payloadBytes: LARGE_PAYLOAD,
      connections: HTTP_CONNECTIONS,
    });
  } finally {
    for (const child of children) await child.stop();
    removeDir(dir);
  }
  if (wrkPath() === null) {
    results.notes.push("Scenario 4: `wrk` is not on the PATH; figures are from the in-repo fetch client only.");
  } else if (quick) {
    results.notes.push("Scenario 4 quick mode: 1.5 s of load per figure (full: 10 s).");
  }
}
