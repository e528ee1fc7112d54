// DirectGets on a real cluster: straight to the slot's master when it can, through ioredis
// (which follows the cluster) when it cannot, and a timeout when the owner does not answer.
import { afterAll, describe, expect, test } from "bun:test";
import { isStoreError } from "@reflex/core";
import { RedisClient } from "bun";
import calculateSlot from "cluster-key-slot";
import { Cluster } from "ioredis";
import { useCluster } from "../test/use-cluster.ts";
import { DirectGets, nodeUrl } from "./direct-gets.ts";

const harness = useCluster();
const clients: Cluster[] = [];
const gets: DirectGets[] = [];
afterAll(() => {
  for (const direct of gets) direct.close();
  for (const client of clients) client.disconnect();
});

async function setUp(timeoutMs = 3000) {
  const cluster = new Cluster([{ host: "127.0.0.1", port: harness.cluster.nodes[0]?.port ?? 0 }], {
    enableAutoPipelining: false,
  });
  clients.push(cluster);
  await new Promise((resolve) => cluster.once("ready", resolve));
  const direct = new DirectGets(cluster, timeoutMs);
  gets.push(direct);
  return { cluster, direct };
}

/** Calls `get` until a GET was answered on a direct connection (the first ones open it), at most 5 s. */
async function untilDirect(direct: DirectGets, get: () => Promise<unknown>): Promise<void> {
  const until = performance.now() + 5000;
  const before = direct.counts.direct;
  while (direct.counts.direct === before) {
    if (performance.now() > until) throw new Error("no GET was answered on a direct connection within 5 s");
    await get();
    await Bun.sleep(10);
  }
}

describe("DirectGets", () => {
  test("GETs go straight to the slot's master once its connection is open; a missing key is null", async () => {
    const { cluster, direct } = await setUp();
    const value = new Uint8Array(1700).fill(7);
    await cluster.set("{dg:1}:a", Buffer.from(value));
    expect(await direct.get("{dg:1}:a")).toEqual(Buffer.from(value)); // the first one: through ioredis
    expect(direct.counts.viaCluster).toBe(1);
    await untilDirect(direct, () => direct.get("{dg:1}:a"));
    expect(new Uint8Array((await direct.get("{dg:1}:a")) as Uint8Array)).toEqual(value);
    expect(await direct.get("{dg:1}:missing")).toBeNull();
    expect(direct.counts.failedDirect).toBe(0);
  });

  test("a stale slot map (the slot's owner is another node): the refused GET is answered through ioredis", async () => {
    const { cluster, direct } = await setUp();
    await cluster.set("{dg:2}:a", "right");
    const slot = calculateSlot("{dg:2}:a");
    const owner = cluster.slots[slot]?.[0] as string;
    const masters = await harness.cluster.masterPorts();
    const other = `127.0.0.1:${masters.find((port) => `127.0.0.1:${port}` !== owner)}`;
    // Point the key's slot at the other master before each GET (ioredis puts it right on MOVED).
    const useOther = () => {
      cluster.slots[slot] = [other];
    };
    const until = performance.now() + 5000;
    while (direct.counts.failedDirect === 0 && performance.now() < until) {
      useOther();
      expect(String(await direct.get("{dg:2}:a"))).toBe("right"); // ioredis follows the MOVED reply
      await Bun.sleep(10);
    }
    expect(direct.counts.failedDirect).toBeGreaterThan(0);
  });

  test("an owner that stops answering: the direct GET fails with storage_unavailable after the timeout", async () => {
    const { cluster, direct } = await setUp(300);
    await cluster.set("{dg:3}:a", "v");
    await untilDirect(direct, () => direct.get("{dg:3}:a"));
    const port = Number((cluster.slots[calculateSlot("{dg:3}:a")]?.[0] ?? "").split(":")[1]);
    harness.cluster.signal(port, "SIGSTOP");
    let failure: unknown;
    try {
      await direct.get("{dg:3}:a");
    } catch (error) {
      failure = error;
    } finally {
      harness.cluster.signal(port, "SIGCONT");
    }
    expect(isStoreError(failure) && failure.code).toBe("storage_unavailable");
    expect(String(failure)).toContain("GET timed out after 300 ms");
    // The connection that timed out is closed: the next GET goes through ioredis.
    const via = direct.counts.viaCluster;
    expect(String(await direct.get("{dg:3}:a"))).toBe("v");
    expect(direct.counts.viaCluster).toBe(via + 1);
  });

  test("quit waits for the GETs in flight (they are answered, not failed), and later ones go through ioredis", async () => {
    const { cluster, direct } = await setUp();
    await cluster.set("{dg:5}:a", "v");
    await untilDirect(direct, () => direct.get("{dg:5}:a"));
    const before = direct.counts.direct;
    const inFlight = Array.from({ length: 20 }, () => direct.get("{dg:5}:a"));
    await direct.quit();
    expect((await Promise.all(inFlight)).map(String)).toEqual(Array(20).fill("v"));
    expect(direct.counts.direct).toBe(before + 20);
    const via = direct.counts.viaCluster;
    expect(String(await direct.get("{dg:5}:a"))).toBe("v");
    expect(direct.counts.viaCluster).toBe(via + 1);
  });

  test("node keys become URLs Bun's client takes, IPv6 hosts in brackets", () => {
    expect(nodeUrl("127.0.0.1:7000")).toBe("redis://127.0.0.1:7000");
    expect(nodeUrl("::1:7000")).toBe("redis://[::1]:7000");
    expect(nodeUrl("redis-a.internal:6379")).toBe("redis://redis-a.internal:6379");
    for (const node of ["127.0.0.1:7000", "::1:7000"]) {
      const client = new RedisClient(nodeUrl(node), { autoReconnect: false }); // no connection until used
      client.close();
    }
    expect(() => new RedisClient("redis://::1:7000")).toThrow(); // why the brackets
  });

  test("after close, GETs go through ioredis", async () => {
    const { cluster, direct } = await setUp();
    await cluster.set("{dg:4}:a", "v");
    await untilDirect(direct, () => direct.get("{dg:4}:a"));
    direct.close();
    const via = direct.counts.viaCluster;
    expect(String(await direct.get("{dg:4}:a"))).toBe("v");
    expect(direct.counts.viaCluster).toBe(via + 1);
  });
});
