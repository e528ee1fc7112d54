// Two `reflex gateway` processes on one Redis Cluster (a real one this file starts) share
// one cache: a miss on A is a hit on B, and the upstream is called once.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type FakeUpstream, startFakeUpstream } from "@reflex/gateway/test-upstream";
import { useCluster } from "@reflex/redis-cluster/test-cluster";
import { chat, startGatewayChild, waitStored } from "./gateway-helpers.ts";

const harness = useCluster();
let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(async () => {
  await upstream.stop();
});

describe("reflex gateway --redis-cluster", () => {
  test("a miss on gateway A is a hit on gateway B (same secret: same tenant); another key is not", async () => {
    const env = { ...process.env, REFLEX_GATEWAY_SECRET: "one secret shared by both gateways" };
    const args = ["--port", "0", "--redis-cluster", harness.cluster.seeds, "--upstream", upstream.baseUrl];
    const a = await startGatewayChild(args, env);
    const b = await startGatewayChild(args, env);
    try {
      const before = (await upstream.calls()).chat;
      const onA = await chat(a.url, "shared across gateways");
      expect([onA.status, onA.cache, onA.content]).toEqual([200, "miss", "answer 1 to shared across gateways"]);
      await waitStored(a.url, 1);
      const onB = await chat(b.url, "shared across gateways");
      expect([onB.status, onB.cache, onB.content]).toEqual([200, "hit", onA.content]);
      expect((await upstream.calls()).chat).toBe(before + 1);
      const otherKey = await chat(b.url, "shared across gateways", { key: "sk-another-tenant" });
      expect([otherKey.cache, otherKey.content]).toEqual(["miss", "answer 2 to shared across gateways"]);
      expect((await upstream.calls()).chat).toBe(before + 2);
    } finally {
      expect(await a.stop()).toBe(0);
      expect(await b.stop()).toBe(0);
    }
  });
});
