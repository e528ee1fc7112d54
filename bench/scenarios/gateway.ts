/**
 * Scenario 12: the caching gateway (apps/gateway) over loopback, every server a child process
 * on 127.0.0.1: the gateway itself (`apps/gateway/src/main.ts` on a root of its own), the
 * gateway tests' fake upstream (`apps/gateway/test/fake-upstream.ts`, a Bun.serve OpenAI-
 * compatible provider), a bare `Bun.serve` answering the same stored JSON to the same POST
 * (`bench/fixtures/bare-gateway.ts`) and Portkey's open-source gateway (peers/portkey.ts: a
 * pass-through, its npm build has no cache wired), all on the same fake upstream.
 *
 * (a) exact hit: latency one request at a time (vs bare Bun.serve), and hits/s at 64
 *     connections with wrk and a Lua body (the in-repo fetch client without wrk), beside bare
 *     Bun.serve and Portkey; (b) a miss (each request unique): the latency it adds over calling
 *     the upstream directly, ours and Portkey's; (c) a streamed miss: time to first byte vs
 *     the upstream's own (the fake upstream waits 1 ms between chunks).
 * Quick mode: 0.4 s per latency figure and 1 s per wrk round (full: 4 s and 3 s).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Child, cpuSeconds, serverEnv, startChild } from "../child-server.ts";
import { freshDir, removeDir } from "../fixtures.ts";
import { measureLatency, timeFirstByte, timeWhole } from "../gateway-latency.ts";
import { currentMode } from "../harness.ts";
import { fetchLoad, type RequestSpec, wrkLoad, wrkPath } from "../http-client.ts";
import { type PortkeyChild, portkeyHeaders, startPortkey } from "../peers/portkey.ts";
import type { Results } from "../results.ts";
import { HTTP_CONNECTIONS, measureGroup, type Subject } from "./http.ts";

/** Groups and measures of this scenario start with this, so the report puts them in their own tables. */
export const GATEWAY_PREFIX = "gateway:";
/** Names shared with the targets. */
export const GATEWAY = {
  hit: "gateway: exact hit (one request at a time)",
  hitsPerSecond: "gateway: exact hit, chat completion POST",
  miss: "gateway: miss (every request unique)",
  ttfb: "gateway: streamed miss, time to first byte",
  reflex: "reflex gateway",
  bare: "bare Bun.serve, same stored JSON",
  portkey: "Portkey gateway (pass-through)",
  direct: "fake upstream, called directly",
} as const;

const PATH = "/v1/chat/completions";
const KEY = "sk-bench-not-a-real-key";
const JSON_HEADERS = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };
const SECRET = "the bench gateway's tenant secret";

function chatBody(content: string, stream = false): string {
  return JSON.stringify({
    model: "fake-model",
    temperature: 0,
    messages: [{ role: "user", content }],
    ...(stream ? { stream: true } : {}),
  });
}

const HIT_BODY = chatBody("What is the capital of France? (bench hit)");

function post(origin: string, body: string, extra: Record<string, string> = {}): Promise<Response> {
  return fetch(`${origin}${PATH}`, { method: "POST", headers: { ...JSON_HEADERS, ...extra }, body });
}

/** Stores the hit request's answer through the gateway; resolves to the JSON a hit answers. */
async function seedHit(gateway: Child): Promise<Uint8Array> {
  const miss = await post(gateway.url, HIT_BODY);
  if (miss.status !== 200) throw new Error(`seeding the gateway answered ${miss.status}`);
  await miss.arrayBuffer();
  for (let attempt = 0; attempt < 500; attempt++) {
    const hit = await post(gateway.url, HIT_BODY);
    const bytes = new Uint8Array(await hit.arrayBuffer());
    if (hit.headers.get("x-reflex-cache") === "hit") return bytes;
    await Bun.sleep(10);
  }
  throw new Error("the gateway never answered the seeded request from its cache");
}

/** Runs scenario 12. */
export async function runGateway(results: Results): Promise<void> {
  const quick = currentMode().quick;
  const latencyMs = quick ? 400 : 4_000;
  const loadMs = quick ? 2_000 : 9_000;
  const dir = freshDir("gateway");
  const children: { stop(): Promise<void> }[] = [];
  try {
    const env = serverEnv(join(dir, "root"));
    const upstream = await startChild(["bun", "apps/gateway/test/fake-upstream.ts"], env);
    children.push(upstream);
    const upstreamBase = `${upstream.url}/v1`;
    const gatewayArgs = ["bun", "apps/gateway/src/main.ts", "--port", "0", "--quiet", "--upstream", upstreamBase];
    const gateway = await startChild(gatewayArgs, { ...env, REFLEX_GATEWAY_SECRET: SECRET });
    children.push(gateway);
    const answerFile = join(dir, "answer.json");
    writeFileSync(answerFile, await seedHit(gateway));
    const bare = await startChild(["bun", "bench/fixtures/bare-gateway.ts", answerFile], env);
    children.push(bare);
    const portkey: PortkeyChild = await startPortkey();
    children.push(portkey);
    const viaPortkey = portkeyHeaders(upstreamBase);

    // (a) exact hit, one request at a time.
    const isHit = (response: Response) => response.headers.get("x-reflex-cache") === "hit";
    await measureLatency(
      results,
      GATEWAY.hit,
      [
        { name: GATEWAY.reflex, op: () => timeWhole(() => post(gateway.url, HIT_BODY), isHit) },
        { name: GATEWAY.bare, reference: true, op: () => timeWhole(() => post(bare.url, HIT_BODY)) },
      ],
      latencyMs,
    );

    // (a, b) hits/s at 64 connections: wrk with a Lua body when installed.
    const body = new TextEncoder().encode(HIT_BODY);
    const withWrk = wrkPath() !== null;
    const subject = (name: string, server: { url: string; pid: number }, extra: Record<string, string>) => {
      const spec: RequestSpec = {
        method: "POST",
        path: () => PATH,
        headers: { ...JSON_HEADERS, ...extra },
        body,
        okStatus: [200],
      };
      return {
        name,
        tool: withWrk ? "wrk" : "fetch client",
        run: async (ms: number) => {
          const cpuBefore = cpuSeconds(server.pid);
          const result = withWrk
            ? await wrkLoad(server.url, spec, { fixed: PATH }, HTTP_CONNECTIONS, ms, dir)
            : await fetchLoad(server.url, spec, HTTP_CONNECTIONS, ms);
          return { ...result, serverCpuSeconds: cpuSeconds(server.pid) - cpuBefore };
        },
      } satisfies Subject;
    };
    await measureGroup(
      results,
      GATEWAY.hitsPerSecond,
      [
        { ...subject(GATEWAY.bare, bare, {}), reference: true },
        subject(GATEWAY.reflex, gateway, {}),
        { ...subject(GATEWAY.portkey, portkey, viaPortkey), note: "no cache: every request goes to the fake upstream" },
      ],
      loadMs,
    );

    // (b) a miss: every request unique (a counter in the prompt), one at a time.
    await measureLatency(
      results,
      GATEWAY.miss,
      [
        {
          name: GATEWAY.direct,
          reference: true,
          op: (n) => timeWhole(() => post(upstream.url, chatBody(`direct miss ${n}`))),
        },
        { name: GATEWAY.reflex, op: (n) => timeWhole(() => post(gateway.url, chatBody(`reflex miss ${n}`))) },
        {
          name: GATEWAY.portkey,
          op: (n) => timeWhole(() => post(portkey.url, chatBody(`portkey miss ${n}`), viaPortkey)),
        },
      ],
      latencyMs,
    );

    // (c) a streamed miss: time to the first byte.
    const streamed = (label: string, n: number) => chatBody(`[delay:1] ${label} stream ${n}`, true);
    await measureLatency(
      results,
      GATEWAY.ttfb,
      [
        {
          name: GATEWAY.direct,
          reference: true,
          op: (n) => timeFirstByte(() => post(upstream.url, streamed("direct", n))),
        },
        { name: GATEWAY.reflex, op: (n) => timeFirstByte(() => post(gateway.url, streamed("reflex", n))) },
        {
          name: GATEWAY.portkey,
          op: (n) => timeFirstByte(() => post(portkey.url, streamed("portkey", n), viaPortkey)),
        },
      ],
      latencyMs,
    );
    results.notes.push(
      `gateway: Portkey ${"@portkey-ai/gateway"} runs under this Bun (under Node 20 its streamed answers fail with a 500: ` +
        "TypeError immutable in its updateHeaders); its npm build has no cache wired, so its figures are pass-through.",
    );
  } finally {
    for (const child of children.reverse()) await child.stop();
    removeDir(dir);
  }
}
