/**
 * Scenario 13: the gateway's semantic hit (issue 24's goal: p50 <= 2 ms excluding the embedding
 * call, at 100k entries in the tenant). Every server is a child process on 127.0.0.1: the gateway
 * (`apps/gateway/src/main.ts --embedding-model fake-embed`) on a root this scenario fills
 * beforehand, and the gateway tests' fake upstream (`apps/gateway/test/fake-upstream.ts`,
 * answering at once, with 768-dimension embeddings: a real model's size).
 *
 * Two shapes of the tenant, each on a root and a gateway of its own: all entries in the
 * request's context (the worst case of a scoped search: it scans them all), and the entries
 * spread over 1,000 contexts (100 in the request's). The entries are random vectors, none near
 * the query; the request's paraphrase group is seeded through the gateway.
 *
 * A semantic hit stores nothing, so asking the same paraphrase again is again an exact miss
 * whose embedding comes from the gateway's embedding cache (a store load): that request is
 * the semantic hit without the embedding call. Measured one request at a time, interleaved
 * with an exact hit on the same gateway (the reference) and the embedding call itself (the
 * fake upstream's `/v1/embeddings`, called directly), whose share the targets report.
 * Quick mode: 2,000 entries over 1 and 100 contexts, 0.4 s per subject (CI's bench smoke).
 */
import { join } from "node:path";
import { NvmeStorage } from "@reflex/core";
import { contextHash, keyedTenant, parseRequestBody } from "@reflex/gateway";
import { f16Bytes, VectorSource } from "@reflex/testkit";
import { type Child, serverEnv, startChild } from "../child-server.ts";
import { freshDir, removeDir } from "../fixtures.ts";
import { measureLatency, timeWhole } from "../gateway-latency.ts";
import { currentMode } from "../harness.ts";
import type { Results } from "../results.ts";

/** Measures of this scenario start with this, so the report puts them in their own table. */
export const SEMANTIC_PREFIX = "gateway semantic:";
/** Subject names shared with the targets. */
export const SEMANTIC = {
  hit: "semantic hit, embedding cached (the hit without the embedding call)",
  exact: "exact hit, same gateway",
  embedding: "embedding call (fake upstream, directly)",
} as const;

const DIMENSIONS = 768;
const SECRET = "the semantic bench's tenant secret";
const KEY = "sk-bench-semantic";
const MODEL = "fake-model";
const EMBEDDING_MODEL = "fake-embed";
/** Two texts of the fake upstream's `capital` paraphrase group (cosine ~0.98: a hit at the default threshold). */
const FIRST = "What is the capital of France?";
const PARAPHRASE = "Tell me the capital city of France.";
const FILL_IN_FLIGHT = 256;

/** The measure of one shape of the tenant. */
export function semanticMeasure(entries: number, contexts: number): string {
  const where = contexts === 1 ? "all in the request's context" : `over ${contexts} contexts`;
  return `${SEMANTIC_PREFIX} ${entries} entries ${where}`;
}

function chatBody(content: string): string {
  return JSON.stringify({ model: MODEL, temperature: 0, messages: [{ role: "user", content }] });
}

/** Fills `root` with `entries` random vectors of the tenant, one in `contexts` in the request's context. */
async function fill(root: string, entries: number, contexts: number): Promise<number> {
  const tenantId = keyedTenant(new TextEncoder().encode(SECRET), KEY);
  const context = contextHash(parseRequestBody("chat.completions", chatBody(FIRST)), EMBEDDING_MODEL);
  const random = new VectorSource(13);
  const payloadBlob = new Uint8Array(64);
  const store = new NvmeStorage(root, { durability: "atomic", handleCache: { maxEntries: 0 } });
  const started = performance.now();
  try {
    store.ensureStoragePath();
    for (let i = 0; i < entries; i += FILL_IN_FLIGHT) {
      const writes: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(i + FILL_IN_FLIGHT, entries); j++) {
        const entry = {
          tenantId,
          contextHash: j % contexts === 0 ? context : BigInt(j % contexts),
          timestamp: 1n,
          embedding: f16Bytes(random.direction(DIMENSIONS)),
          payloadBlob,
        };
        writes.push(store.store(BigInt(j + 1), entry).then((handle) => handle.release()));
      }
      await Promise.all(writes);
    }
  } finally {
    store.close();
  }
  return (performance.now() - started) / 1000;
}

/** Asks until the gateway answers `content` from its cache with `tier` (the seeded answer's write is asynchronous). */
async function untilTier(post: (content: string) => Promise<Response>, content: string, tier: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const response = await post(content);
    await response.arrayBuffer();
    if (response.headers.get("x-reflex-tier") === tier) return;
    await Bun.sleep(10);
  }
  throw new Error(`the gateway never answered ${JSON.stringify(content)} with tier ${tier}`);
}

/** One shape of the tenant: fill, start a gateway on it, measure the three subjects. */
async function measureShape(results: Results, upstream: Child, entries: number, contexts: number): Promise<void> {
  const quick = currentMode().quick;
  const dir = freshDir("semantic");
  let gateway: Child | null = null;
  try {
    const root = join(dir, "root");
    const fillSeconds = await fill(root, entries, contexts);
    gateway = await startChild(
      [
        "bun",
        "apps/gateway/src/main.ts",
        "--port",
        "0",
        "--quiet",
        "--upstream",
        `${upstream.url}/v1`,
        "--embedding-model",
        EMBEDDING_MODEL,
      ],
      { ...serverEnv(root), REFLEX_GATEWAY_SECRET: SECRET },
      60_000,
    );
    const origin = gateway.url;
    const post = (content: string) =>
      fetch(`${origin}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: chatBody(content),
      });
    const embed = () =>
      fetch(`${upstream.url}/v1/embeddings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: EMBEDDING_MODEL, input: PARAPHRASE }),
      });
    await untilTier(post, FIRST, "exact");
    await untilTier(post, PARAPHRASE, "semantic");
    for (let i = 0; i < (quick ? 20 : 100); i++) {
      await (await post(PARAPHRASE)).arrayBuffer();
      await (await post(FIRST)).arrayBuffer();
      await (await embed()).arrayBuffer();
    }
    const tier = (wanted: string) => (response: Response) => response.headers.get("x-reflex-tier") === wanted;
    const inContext = Math.ceil(entries / contexts);
    await measureLatency(
      results,
      semanticMeasure(entries, contexts),
      [
        { name: SEMANTIC.exact, reference: true, op: () => timeWhole(() => post(FIRST), tier("exact")) },
        {
          name: SEMANTIC.hit,
          note: `${inContext} entries in the request's context; filled in ${fillSeconds.toFixed(1)} s`,
          op: () => timeWhole(() => post(PARAPHRASE), tier("semantic")),
        },
        { name: SEMANTIC.embedding, op: () => timeWhole(embed) },
      ],
      quick ? 400 : 4_000,
    );
  } finally {
    await gateway?.stop();
    removeDir(dir);
  }
}

/** Runs scenario 13. */
export async function runSemantic(results: Results): Promise<void> {
  const quick = currentMode().quick;
  const entries = quick ? 2_000 : 100_000;
  const dir = freshDir("semantic-upstream");
  const upstream = await startChild(["bun", "apps/gateway/test/fake-upstream.ts"], {
    ...serverEnv(join(dir, "root")),
    REFLEX_FAKE_EMBEDDING_DIMENSIONS: String(DIMENSIONS),
  });
  try {
    await measureShape(results, upstream, entries, 1);
    await measureShape(results, upstream, entries, quick ? 100 : 1_000);
  } finally {
    await upstream.stop();
    removeDir(dir);
  }
}
