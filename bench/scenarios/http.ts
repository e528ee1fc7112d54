/**
 * Scenario 4: the HTTP API over loopback at 64 connections. The Reflex server
 * (`apps/server/src/main.ts`, Hono on `Bun.serve`, durable store) and a bare
 * `Bun.serve` handler that answers the same bytes from memory
 * (`bench/fixtures/bare-server.ts`) each run in a child process, so the load
 * generator does not share their event loop. Load: the in-repo fetch client
 * (`bench/http-client.ts`) always, `wrk` too when it is on the PATH. Subjects of a
 * group are measured in interleaved rounds (A B, B A, ...), like the other scenarios.
 * Quick mode: 1.5 s of load per figure and 2 s of streaming (full: 10 s each).
 * PUT is compared with the in-process store (`store()`, durable, 64 in flight).
 * Last, the server's RSS (from /proc) and JS heap while it streams a 16 MiB payload.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeEntryBody } from "../../packages/codec/src/index.ts";
import { NvmeStorage } from "../../packages/core/src/index.ts";
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

export const HTTP_CONNECTIONS = 64;
const TENANT = 1n;
const SMALL_ID = 1n;
const LARGE_ID = 2n;
const SMALL_PAYLOAD = 4 * 1024;
const LARGE_PAYLOAD = 16 * 1024 * 1024;
const MiB = 1024 * 1024;
const REPO = join(import.meta.dir, "..", "..");

/** Group and subject names, shared with the targets. */
export const HTTP_GROUPS = {
  payload: "GET payload 4 KiB",
  entry: "GET entry 4 KiB (protobuf)",
  head: "HEAD entry",
  put: "PUT entry 4 KiB (durable)",
} as const;
export const REFLEX_SUBJECT = "reflex server (Hono)";
export const BARE_SUBJECT = "bare Bun.serve";
export const IN_PROCESS_SUBJECT = "in-process store()";

/** A child process that printed `... listening on <url>` as its first stdout line. */
export interface Child {
  readonly url: string;
  readonly pid: number;
  readonly lines: string[];
  stop(): Promise<void>;
}

/** Starts `argv` in the repository and waits for its `listening on <url>` line (15 s at most). */
export async function startChild(argv: string[], env: Record<string, string | undefined>): Promise<Child> {
  const proc = Bun.spawn(argv, { cwd: REPO, env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const lines: string[] = [];
  let stderr = "";
  void (async () => {
    for await (const chunk of proc.stderr) stderr = `${stderr}${new TextDecoder().decode(chunk)}`.slice(-4000);
  })();
  let firstLine: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => {
    firstLine = resolve;
  });
  void (async () => {
    let pending = "";
    for await (const chunk of proc.stdout) {
      pending += new TextDecoder().decode(chunk);
      let newline = pending.indexOf("\n");
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        const match = / listening on (\S+)/.exec(line);
        if (match !== null) firstLine(match[1] as string);
        else lines.push(line);
        if (lines.length > 10_000) lines.splice(0, 5_000);
        newline = pending.indexOf("\n");
      }
    }
  })();
  const timeout = Bun.sleep(15_000).then(() => null);
  const origin = await Promise.race([url, timeout, proc.exited.then(() => null)]);
  if (origin === null) {
    proc.kill();
    throw new Error(`${argv.join(" ")} did not start: ${stderr}`);
  }
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(origin)) {
    proc.kill();
    throw new Error(`${argv.join(" ")} listens on ${origin}, not loopback`);
  }
  return {
    url: origin,
    pid: proc.pid,
    lines,
    async stop() {
      proc.kill("SIGTERM");
      const exited = await Promise.race([proc.exited, Bun.sleep(5000).then(() => null)]);
      if (exited === null) proc.kill("SIGKILL");
    },
  };
}

/** The server's environment: `REFLEX_ROOT` and no other `REFLEX_` variable (no tokens, no retention). */
export function serverEnv(root: string): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, REFLEX_ROOT: root };
  for (const key of Object.keys(env)) {
    if (key.startsWith("REFLEX_") && key !== "REFLEX_ROOT") delete env[key]; // no tokens, no retention
  }
  return env;
}

/** VmRSS of `pid` in MiB, from /proc (NaN when unreadable). */
function rssMiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match === null ? Number.NaN : Number(match[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

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
): Subject[] {
  const list: Subject[] = [];
  const tools = withWrk && wrkPath() !== null ? ["fetch client", "wrk"] : ["fetch client"];
  for (const tool of tools) {
    for (const [name, child, reference] of [
      [REFLEX_SUBJECT, reflex, false],
      [BARE_SUBJECT, bare, true],
    ] as const) {
      list.push({
        name,
        tool,
        ...(reference ? { reference: true } : {}),
        run: (ms) =>
          tool === "wrk"
            ? wrkLoad(child.url, spec, target, HTTP_CONNECTIONS, ms, scratch)
            : fetchLoad(child.url, spec, HTTP_CONNECTIONS, ms),
      });
    }
  }
  return list;
}

/** Runs scenario 4. */
export async function runHttp(results: Results): Promise<void> {
  const quick = currentMode().quick;
  const figureMs = quick ? 1500 : 10_000;
  const dir = freshDir("http");
  const root = join(dir, "reflex");
  const small = makeEntry(TENANT, SMALL_PAYLOAD);
  const seed = new NvmeStorage(root, { handleCache: { maxEntries: 0 } });
  seed.storeSync(SMALL_ID, small).release();
  seed.storeSync(LARGE_ID, makeEntry(TENANT, LARGE_PAYLOAD)).release();
  seed.close();
  const payloadFile = join(dir, "payload.bin");
  const entryFile = join(dir, "entry.bin");
  writeFileSync(payloadFile, small.payloadBlob);
  writeFileSync(entryFile, encodeEntryBody(small));

  const entryPath = `/v1/tenants/${TENANT}/entries/${SMALL_ID}`;
  const putPrefix = `/v1/tenants/${TENANT}/entries/`;
  const putBody = encodeEntryBody(small);
  const children: Child[] = [];
  try {
    const reflex = await startChild(["bun", "apps/server/src/main.ts", "--port", "0", "--quiet"], serverEnv(root));
    children.push(reflex);
    const bare = await startChild(["bun", join("bench", "fixtures", "bare-server.ts"), payloadFile, entryFile], {
      ...process.env,
    });
    children.push(bare);
    // Both answer before anything is timed (and the store's first load is not in a figure).
    for (const child of [reflex, bare]) {
      const check = await fetch(`${child.url}${entryPath}/payload`);
      const bytes = new Uint8Array(await check.arrayBuffer());
      if (check.status !== 200 || bytes.byteLength !== SMALL_PAYLOAD) {
        throw new Error(`${child.url}: GET payload answered ${check.status}, ${bytes.byteLength} bytes`);
      }
    }

    const getPayload: RequestSpec = { method: "GET", path: () => `${entryPath}/payload`, okStatus: [200] };
    await measureGroup(
      results,
      HTTP_GROUPS.payload,
      served(reflex, bare, getPayload, { fixed: `${entryPath}/payload` }, dir, true),
      figureMs,
    );
    const getEntry: RequestSpec = {
      method: "GET",
      path: () => entryPath,
      headers: { Accept: "application/x-protobuf" },
      okStatus: [200],
    };
    await measureGroup(
      results,
      HTTP_GROUPS.entry,
      served(reflex, bare, getEntry, { fixed: entryPath }, dir, !quick),
      figureMs,
    );
    const head: RequestSpec = { method: "HEAD", path: () => entryPath, okStatus: [200] };
    await measureGroup(
      results,
      HTTP_GROUPS.head,
      served(reflex, bare, head, { fixed: entryPath }, dir, !quick),
      figureMs,
    );

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

    await measureStreaming(results, root, quick ? 2000 : 10_000);
  } finally {
    for (const child of children) await child.stop();
    removeDir(dir);
  }
  if (wrkPath() === null) {
    results.notes.push("Scenario 4: `wrk` is not on the PATH; figures are from the in-repo fetch client only.");
  } else if (quick) {
    results.notes.push(
      "Scenario 4 quick mode: 1.5 s of load per figure (full: 10 s), wrk for GET payload only (full: every group).",
    );
  }
}

/** The server's RSS and heap while 64 connections GET a 16 MiB payload over and over. */
async function measureStreaming(results: Results, root: string, durationMs: number): Promise<void> {
  const server = await startChild(
    ["bun", join("bench", "fixtures", "reflex-server-heap.ts"), "--port", "0", "--quiet"],
    serverEnv(root),
  );
  try {
    const heapOf = () =>
      server.lines
        .map((line) => /^heap (\d+)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => Number(m[1]) / MiB);
    const path = `/v1/tenants/${TENANT}/entries/${LARGE_ID}/payload`;
    // One request first, so idle figures include the loaded code paths.
    const first = await fetch(`${server.url}${path}`);
    await first.arrayBuffer();
    await Bun.sleep(300);
    const rssIdle = rssMiB(server.pid);
    const heapIdle = heapOf().at(-1) ?? Number.NaN;
    server.lines.length = 0;
    let rssMax = rssIdle;
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, rssMiB(server.pid));
    }, 25);
    const spec: RequestSpec = { method: "GET", path: () => path, okStatus: [200], streamBody: true };
    const run = await fetchLoad(server.url, spec, HTTP_CONNECTIONS, durationMs);
    clearInterval(sampler);
    rssMax = Math.max(rssMax, rssMiB(server.pid));
    const heapMax = Math.max(heapIdle, ...heapOf());
    const rssEnd = rssMiB(server.pid);
    results.serverMemory.push({
      label: `GET payload 16 MiB, ${HTTP_CONNECTIONS} connections, ${(run.seconds).toFixed(1)} s (fetch client)`,
      requests: run.ok,
      errors: run.errors,
      rps: run.ok / run.seconds,
      mibPerSecond: (run.ok * LARGE_PAYLOAD) / MiB / run.seconds,
      rssIdleMiB: rssIdle,
      rssMaxMiB: rssMax,
      rssEndMiB: rssEnd,
      heapIdleMiB: heapIdle,
      heapMaxMiB: heapMax,
    });
    console.error(
      `[bench]   16 MiB stream: ${run.ok} ok, ${run.errors} errors, RSS ${rssIdle.toFixed(0)} -> max ${rssMax.toFixed(0)} MiB, heap ${heapIdle.toFixed(0)} -> max ${heapMax.toFixed(0)} MiB`,
    );
  } finally {
    await server.stop();
  }
}
