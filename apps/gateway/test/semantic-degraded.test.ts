// The semantic tiers never fail a request: an embeddings outage or timeout is exact-only for
// that request, and a verifier that rejects, is down, slow or answers nonsense serves nothing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DEFAULT_SEMANTIC_CONFIG, type SemanticConfig } from "../src/semantic/semantic-config.ts";
import { type FakeUpstream, startFakeUpstream } from "./fake-upstream-process.ts";
import { type Harness, startHarness } from "./gateway-harness.ts";
import { PARAPHRASES } from "./paraphrases.ts";

let upstream: FakeUpstream;
let closedPort: number;
beforeAll(async () => {
  upstream = await startFakeUpstream();
  const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  closedPort = closed.port as number;
  await closed.stop(true);
});
afterAll(async () => {
  await upstream.stop();
});

const MODEL = "fake-model";
const user = (content: string) => [{ role: "user" as const, content }];

async function withGateway(semantic: Partial<SemanticConfig>, run: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startHarness(
    { semantic: { ...DEFAULT_SEMANTIC_CONFIG, embeddingModel: "fake-embed", ...semantic } },
    upstream,
  );
  try {
    await run(h);
  } finally {
    await h.stop();
  }
}

/** Asks a paraphrase pair with `key`; returns the second answer and how many chat calls it made. */
async function paraphrase(h: Harness, key: string, group: readonly string[]) {
  const client = h.client(key);
  const first = await client.chat.completions.create({
    model: MODEL,
    temperature: 0,
    messages: user(group[0] as string),
  });
  expect(first.choices[0]?.message.content).toStartWith("answer ");
  await h.settled();
  const before = (await upstream.calls()).chat;
  const second = await client.chat.completions
    .create({ model: MODEL, temperature: 0, messages: user(group[1] as string) })
    .withResponse();
  return { second, called: (await upstream.calls()).chat - before };
}

describe("embeddings outage", () => {
  for (const [name, path, timeoutMs] of [
    ["down (503)", "/down/v1", 5_000],
    ["slow (past the timeout)", "/slow/v1", 200],
  ] as const) {
    test(`${name}: every request answered, exact hits still served, counted, never an error`, async () => {
      await withGateway({ embeddingUrl: `${upstream.url}${path}`, embeddingTimeoutMs: timeoutMs }, async (h) => {
        const { second, called } = await paraphrase(h, `sk-outage-${path}`, PARAPHRASES.capital.texts);
        expect(second.response.status).toBe(200);
        expect(second.response.headers.get("x-reflex-cache")).toBe("miss");
        expect(called).toBe(1);
        await h.settled();
        const exact = await h
          .client(`sk-outage-${path}`)
          .chat.completions.create({ model: MODEL, temperature: 0, messages: user(PARAPHRASES.capital.texts[1]) })
          .withResponse();
        expect(exact.response.headers.get("x-reflex-tier")).toBe("exact");
        expect(h.gateway.deps.metrics.semantic.misses("embedding_failed")).toBeGreaterThanOrEqual(1);
      });
    });
  }

  test("--embedding-url gets its own key, never the client's", async () => {
    await withGateway({ embeddingUrl: `${upstream.url}/v1`, embeddingKey: "sk-embeddings-only" }, async (h) => {
      const { second } = await paraphrase(h, "sk-client-own", PARAPHRASES.haiku.texts);
      expect(second.response.headers.get("x-reflex-tier")).toBe("semantic");
      expect((await upstream.calls()).lastEmbeddingAuthorization).toBe("Bearer sk-embeddings-only");
    });
  });
});

describe("L3: the rerank verifier", () => {
  test("an accepted candidate is served as semantic-verified", async () => {
    await withGateway({ rerankUrl: `${upstream.url}/v1/rerank` }, async (h) => {
      const rerankCalls = (await upstream.calls()).rerank;
      const { second, called } = await paraphrase(h, "sk-verified", PARAPHRASES.capital.texts);
      expect(second.response.headers.get("x-reflex-tier")).toBe("semantic-verified");
      expect(second.data.choices[0]?.message.content).toEndWith(` to ${PARAPHRASES.capital.texts[0]}`);
      expect(called).toBe(0);
      expect((await upstream.calls()).rerank).toBe(rerankCalls + 1);
    });
  });

  test("a close candidate the verifier rejects is a miss (and without L3 it would have been served)", async () => {
    await withGateway({}, async (h) => {
      const { second } = await paraphrase(h, "sk-trap-l2", PARAPHRASES.trap.texts);
      expect(second.response.headers.get("x-reflex-tier")).toBe("semantic");
    });
    await withGateway({ rerankUrl: `${upstream.url}/v1/rerank` }, async (h) => {
      const { second, called } = await paraphrase(h, "sk-trap-l3", PARAPHRASES.trap.texts);
      expect(second.response.headers.get("x-reflex-cache")).toBe("miss");
      expect(second.data.choices[0]?.message.content).toEndWith(` to ${PARAPHRASES.trap.texts[1]}`);
      expect(called).toBe(1);
      expect(h.gateway.deps.metrics.semantic.misses("rejected")).toBe(1);
    });
  });

  test("a verifier that is down, slow or answers nonsense serves nothing and fails nothing", async () => {
    const urls = [
      `http://127.0.0.1:${closedPort}/rerank`,
      `${upstream.url}/v1/rerank-slow`,
      `${upstream.url}/v1/rerank-broken`,
    ];
    for (const [i, rerankUrl] of urls.entries()) {
      await withGateway({ rerankUrl, rerankTimeoutMs: 200 }, async (h) => {
        const { second, called } = await paraphrase(h, `sk-verifier-${i}`, PARAPHRASES.haiku.texts);
        expect(second.response.status).toBe(200);
        expect(second.response.headers.get("x-reflex-cache")).toBe("miss");
        expect(called).toBe(1);
        expect(h.gateway.deps.metrics.semantic.misses("verifier_failed")).toBe(1);
      });
    }
  });
});
