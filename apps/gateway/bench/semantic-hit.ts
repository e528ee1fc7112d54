/**
 * The semantic-hit goal of issue 24: a gateway semantic hit, excluding the embedding call,
 * with 100k entries in the tenant (all in the request's context: the worst case of a scoped
 * search), and the embedding call's share beside it. Everything on loopback, every server a
 * child process: the gateway (`src/main.ts --embedding-model fake-embed` on a root filled
 * beforehand) and the fake upstream (`test/fake-upstream.ts`, answering at once).
 *
 * A semantic hit stores nothing, so asking the same paraphrase again is again an exact miss
 * whose embedding comes from the gateway's embedding cache (a store load): that request is
 * the semantic hit without the embedding call. The embedding call is timed against the fake
 * upstream's `/v1/embeddings` directly.
 *
 *   [REFLEX_FAKE_EMBEDDING_DIMENSIONS=768] bun apps/gateway/bench/semantic-hit.ts [--entries N] [--requests N] [--contexts N]
 *
 * The fake's vectors have 32 dimensions unless `REFLEX_FAKE_EMBEDDING_DIMENSIONS` says otherwise
 * (768: a real model's size, at which the index's sketch prefilter does its job; at 32 it
 * lets most rows through).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { NvmeStorage } from "@reflex/core";
import { readyLine } from "@reflex/testkit";
import { contextHash } from "../src/canonical/context-hash.ts";
import { parseRequestBody } from "../src/canonical/request-body.ts";
import { f16Vector } from "../src/semantic/f16-vector.ts";
import { keyedTenant } from "../src/tenancy/keyed-tenant.ts";
import { startFakeUpstream } from "../test/fake-upstream-process.ts";
import { FAKE_DIMENSIONS, PARAPHRASES } from "../test/paraphrases.ts";

const { values } = parseArgs({
  options: { entries: { type: "string" }, requests: { type: "string" }, contexts: { type: "string" } },
});
const ENTRIES = Number(values.entries ?? 100_000);
const REQUESTS = Number(values.requests ?? 2_000);
/** Contexts the entries are spread over (1: all in the request's context, the worst case). */
const CONTEXTS = Number(values.contexts ?? 1);
const SECRET = "the semantic bench's tenant secret";
const KEY = "sk-bench-semantic";
const MODEL = "fake-model";
const EMBEDDING_MODEL = "fake-embed";
const [FIRST, PARAPHRASE] = PARAPHRASES.capital.texts;

const body = (content: string) =>
  JSON.stringify({ model: MODEL, temperature: 0, messages: [{ role: "user", content }] });
const percentile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN;

async function timed(run: () => Promise<Response>, check: (r: Response) => void): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const start = performance.now();
    const response = await run();
    await response.arrayBuffer();
    samples.push(performance.now() - start);
    check(response);
  }
  return samples.sort((a, b) => a - b);
}

const root = mkdtempSync(join(tmpdir(), "reflex-semantic-bench-"));
const upstream = await startFakeUpstream();
try {
  // 1. Fill the tenant: ENTRIES random vectors in the request's context (none near the query).
  const tenant = keyedTenant(new TextEncoder().encode(SECRET), KEY);
  const context = contextHash(parseRequestBody("chat.completions", body(FIRST as string)), EMBEDDING_MODEL);
  const store = new NvmeStorage(root);
  store.ensureStoragePath();
  const filled = performance.now();
  const payload = new Uint8Array(64);
  for (let i = 0; i < ENTRIES; i += 256) {
    const writes: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(i + 256, ENTRIES); j++) {
      const vector = Array.from({ length: FAKE_DIMENSIONS }, () => Math.random() - 0.5);
      writes.push(
        store.store(
          BigInt(j + 1),
          {
            tenantId: tenant,
            contextHash: j % CONTEXTS === 0 ? context : BigInt(j % CONTEXTS),
            timestamp: 1n,
            embedding: f16Vector(vector),
            payloadBlob: payload,
          },
          { durability: "atomic" },
        ),
      );
    }
    await Promise.all(writes);
  }
  store.close();
  const fillSeconds = (performance.now() - filled) / 1000;

  // 2. The gateway, on that root.
  const gateway = Bun.spawn(
    [
      process.execPath,
      join(import.meta.dir, "..", "src", "main.ts"),
      "--port",
      "0",
      "--root",
      root,
      "--upstream",
      upstream.baseUrl,
      "--embedding-model",
      EMBEDDING_MODEL,
      "--quiet",
    ],
    { stdout: "pipe", stderr: "inherit", env: { ...process.env, REFLEX_GATEWAY_SECRET: SECRET } },
  );
  try {
    const url = await readyLine(gateway, "reflex gateway listening on ", 60_000);
    const post = (content: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: body(content),
      });
    const seeded = await post(FIRST as string);
    await seeded.arrayBuffer();
    await Bun.sleep(500); // the seeded answer's write
    for (let i = 0; i < 100; i++) await (await post(PARAPHRASE as string)).arrayBuffer(); // warm-up
    const hits = await timed(
      () => post(PARAPHRASE as string),
      (r) => {
        if (r.headers.get("x-reflex-tier") !== "semantic") throw new Error("not a semantic hit");
      },
    );
    const exact = await timed(
      () => post(FIRST as string),
      (r) => {
        if (r.headers.get("x-reflex-tier") !== "exact") throw new Error("not an exact hit");
      },
    );
    const embeddings = await timed(
      () =>
        fetch(`${upstream.baseUrl}/embeddings`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: EMBEDDING_MODEL, input: PARAPHRASE }),
        }),
      (r) => {
        if (r.status !== 200) throw new Error("embeddings failed");
      },
    );
    const hit50 = percentile(hits, 0.5);
    const embed50 = percentile(embeddings, 0.5);
    const lines = [
      `entries in the tenant: ${ENTRIES} over ${CONTEXTS} context(s), ${Math.ceil(ENTRIES / CONTEXTS)} in the request's context (filled in ${fillSeconds.toFixed(1)} s), ${REQUESTS} requests each`,
      `semantic hit, embedding cached:  p50 ${hit50.toFixed(3)} ms  p99 ${percentile(hits, 0.99).toFixed(3)} ms`,
      `exact hit (same gateway):        p50 ${percentile(exact, 0.5).toFixed(3)} ms  p99 ${percentile(exact, 0.99).toFixed(3)} ms`,
      `embedding call (fake, direct):   p50 ${embed50.toFixed(3)} ms  p99 ${percentile(embeddings, 0.99).toFixed(3)} ms`,
      `embedding share of a semantic hit that must embed: ${((100 * embed50) / (hit50 + embed50)).toFixed(0)}%`,
      `goal: semantic hit p50 <= 2 ms: ${hit50 <= 2 ? "MET" : "NOT MET"}`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    gateway.kill("SIGTERM");
    await gateway.exited;
  }
} finally {
  await upstream.stop();
  rmSync(root, { recursive: true, force: true });
}
