// The HTTP API on a Redis Cluster: a real server (`--redis-cluster`) on a real cluster this file
// starts, driven over fetch, plus app.request() on a RedisClusterStore.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeEntryBody } from "@reflex/codec";
import { bucketKeys, bucketOf, id20, RedisClusterStore } from "@reflex/redis-cluster";
import { useCluster } from "@reflex/redis-cluster/test-cluster";
import { createApp } from "../src/app.ts";
import { DEFAULT_CONFIG, loadConfig } from "../src/config/config.ts";
import { type RunningServer, startServer } from "../src/server.ts";
import { call, entryJson, errorOf, promtoolCheck, removeTestDirs, TOKEN_FILE, TOKENS, tempDir } from "./helpers.ts";

afterEach(removeTestDirs);

const harness = useCluster();
let server: RunningServer | undefined;

beforeAll(async () => {
  const tokensFile = join(tempDir(), "tokens.json");
  writeFileSync(tokensFile, JSON.stringify(TOKEN_FILE));
  const config = loadConfig(["--redis-cluster", harness.cluster.seeds, "--port", "0", "--quiet"], {});
  server = await startServer({ ...config, tokensFile }, { logger: { info() {}, error() {} } });
}, 60_000);
afterAll(async () => {
  await server?.shutdown();
});

function base(): string {
  if (server === undefined) throw new Error("the server on the cluster did not start");
  return server.url;
}

function auth(token: string, headers: Record<string, string> = {}): Record<string, string> {
  return { Authorization: `Bearer ${token}`, ...headers };
}

function put(tenant: string, id: string, payload: string, query = ""): Promise<Response> {
  return fetch(`${base()}/v1/tenants/${tenant}/entries/${id}${query}`, {
    method: "PUT",
    headers: auth(TOKENS.admin, { "Content-Type": "application/json" }),
    body: JSON.stringify(entryJson(tenant, payload)),
  });
}

describe("the server on a Redis Cluster, over fetch", () => {
  test("the config selects the cluster; --root with it is refused, and so are size bounds", () => {
    expect(loadConfig([], { REFLEX_REDIS_CLUSTER: "127.0.0.1:7000" }).redisCluster).toBe("127.0.0.1:7000");
    expect(() => loadConfig(["--redis-cluster", "h:1", "--root", "/r"], {})).toThrow(/--root and --redis-cluster/);
    expect(() => loadConfig(["--redis-cluster", "h:1", "--max-entries", "5"], {})).toThrow(/maxmemory/);
    expect(DEFAULT_CONFIG.redisCluster).toBeUndefined();
    expect(server?.store.storagePath).toStartWith("redis-cluster://");
  });

  test("put 201 then 200, get as JSON and protobuf, payload with ETag, head, delete", async () => {
    expect((await put("1", "42", "hello")).status).toBe(201);
    expect((await put("1", "42", "hello again")).status).toBe(200);
    const entry = `${base()}/v1/tenants/1/entries/42`;
    const json = (await (await fetch(entry, { headers: auth(TOKENS.tenant1) })).json()) as Record<string, string>;
    expect(Buffer.from(json.payloadBlob ?? "", "base64").toString()).toBe("hello again");
    const proto = await fetch(entry, { headers: auth(TOKENS.tenant1, { Accept: "application/x-protobuf" }) });
    expect(new TextDecoder().decode(decodeEntryBody(new Uint8Array(await proto.arrayBuffer())).payloadBlob)).toBe(
      "hello again",
    );
    const payload = await fetch(`${entry}/payload`, { headers: auth(TOKENS.tenant1) });
    expect(await payload.text()).toBe("hello again");
    const etag = payload.headers.get("etag") ?? "";
    const again = await fetch(`${entry}/payload`, { headers: auth(TOKENS.tenant1, { "If-None-Match": etag }) });
    expect(again.status).toBe(304);
    expect((await fetch(entry, { method: "HEAD", headers: auth(TOKENS.tenant1) })).status).toBe(200);
    expect((await fetch(entry, { method: "DELETE", headers: auth(TOKENS.tenant1) })).status).toBe(204);
    expect((await fetch(entry, { method: "DELETE", headers: auth(TOKENS.tenant1) })).status).toBe(404);
    expect((await fetch(entry, { method: "HEAD", headers: auth(TOKENS.tenant1) })).status).toBe(404);
    const missing = await fetch(entry, { headers: auth(TOKENS.tenant1) });
    expect([missing.status, (await errorOf(missing)).code]).toEqual([404, "not_found"]);
  });

  test("listing pages ascending across buckets; tenants and stats see the writes", async () => {
    for (const id of ["18446744073709551615", "3", "20", "1", "100"])
      expect((await put("2", id, "x")).status).toBe(201);
    const page = async (query: string) =>
      (await (await fetch(`${base()}/v1/tenants/2/entries${query}`, { headers: auth(TOKENS.tenant2) })).json()) as {
        ids: string[];
        next: string | null;
      };
    expect(await page("?limit=2")).toEqual({ ids: ["1", "3"], next: "3" });
    expect(await page("?limit=2&after=3")).toEqual({ ids: ["20", "100"], next: "100" });
    expect(await page("?after=100")).toEqual({ ids: ["18446744073709551615"], next: null });
    const tenants = (await (await fetch(`${base()}/v1/tenants`, { headers: auth(TOKENS.admin) })).json()) as {
      tenants: string[];
    };
    expect(tenants.tenants).toContain("2");
    const stats = (await (await fetch(`${base()}/v1/stats`, { headers: auth(TOKENS.admin) })).json()) as {
      perTenant: { tenant: string; entries: number }[];
    };
    expect(stats.perTenant.find((t) => t.tenant === "2")?.entries).toBe(5);
    const metrics = await (await fetch(`${base()}/metrics`, { headers: auth(TOKENS.admin) })).text();
    expect(metrics).toMatch(/^reflex_store_entries \d+$/m);
  });

  test("auth, bad ids and bodies answer as on files; cleanup answers 501 unsupported", async () => {
    const other = await fetch(`${base()}/v1/tenants/2/entries/1`, { headers: auth(TOKENS.tenant1) });
    expect(other.status).toBe(403);
    const bad = await fetch(`${base()}/v1/tenants/1/entries/-1`, { headers: auth(TOKENS.tenant1) });
    expect([bad.status, (await errorOf(bad)).code]).toEqual([400, "invalid_id"]);
    const body = await fetch(`${base()}/v1/tenants/1/entries/1`, {
      method: "PUT",
      headers: auth(TOKENS.tenant1, { "Content-Type": "application/json" }),
      body: "{not json",
    });
    expect([body.status, (await errorOf(body)).code]).toEqual([400, "invalid_body"]);
    const cleanup = await fetch(`${base()}/v1/maintenance/cleanup`, { method: "POST", headers: auth(TOKENS.admin) });
    expect([cleanup.status, (await errorOf(cleanup)).code]).toEqual([501, "unsupported"]);
  });

  test("/metrics carries the lookup's families after a search; promtool accepts the exposition", async () => {
    expect((await put("5", "1", "searched")).status).toBe(201);
    const search = await fetch(`${base()}/v1/tenants/5/search`, {
      method: "POST",
      headers: auth(TOKENS.admin, { "Content-Type": "application/json" }),
      body: JSON.stringify({ embedding: entryJson("5").embedding, k: 1 }),
    });
    expect(((await search.json()) as { hits: { id: string }[] }).hits.map((hit) => hit.id)).toEqual(["1"]);
    const metrics = await (await fetch(`${base()}/metrics`, { headers: auth(TOKENS.admin) })).text();
    const value = (series: string) => {
      const line = metrics.split("\n").find((l) => l.startsWith(`${series} `));
      if (line === undefined) throw new Error(`no ${series} in /metrics`);
      return Number(line.slice(series.length + 1));
    };
    expect(value("reflex_cluster_lookup_tenants")).toBeGreaterThanOrEqual(1);
    expect(value("reflex_cluster_lookup_entries")).toBeGreaterThanOrEqual(1);
    expect(value("reflex_cluster_lookup_bytes")).toBeGreaterThan(0);
    expect(value("reflex_cluster_lookup_builds_total")).toBeGreaterThanOrEqual(1);
    expect(value("reflex_cluster_lookup_refused_total")).toBe(0);
    // The hit was re-checked with a single GET, by one path or the other.
    const direct = value('reflex_cluster_lookup_recheck_gets_total{path="direct"}');
    expect(direct + value('reflex_cluster_lookup_recheck_gets_total{path="cluster"}')).toBeGreaterThanOrEqual(1);
    expect(value("reflex_cluster_lookup_recheck_direct_failures_total")).toBe(0);
    expect(metrics).not.toContain("reflex_lookup_ready"); // the file store's gauges are not made up here
    expect(await promtoolCheck(metrics)).toEqual({ code: 0, output: "" });
  });

  test("--change-log-poll-ms 0 reaches the store: a second server sees another's writes only at its own write", async () => {
    const args = ["--redis-cluster", harness.cluster.seeds, "--port", "0", "--quiet", "--change-log-poll-ms", "0"];
    const other = await startServer({ ...loadConfig(args, {}) }, { logger: { info() {}, error() {} } });
    try {
      const embedding = entryJson("9").embedding;
      const search = async (server: RunningServer) => {
        const res = await fetch(`${server.url}/v1/tenants/9/search`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ embedding, k: 10 }),
        });
        return ((await res.json()) as { hits: { id: string }[] }).hits.map((hit) => hit.id).sort();
      };
      expect((await put("9", "1", "first")).status).toBe(201);
      expect(await search(other)).toEqual(["1"]); // built on first use
      expect((await put("9", "2", "second")).status).toBe(201);
      await Bun.sleep(500); // five default polls
      expect(await search(other)).toEqual(["1"]); // no poll: the change log is not read
      const own = await fetch(`${other.url}/v1/tenants/9/entries/3`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(entryJson("9", "third")),
      });
      expect(own.status).toBe(201);
      expect(await search(other)).toEqual(["1", "2", "3"]); // its own write: the log is read before the lookup
    } finally {
      await other.shutdown();
    }
  });

  test("a PUT with ?ttl= expires on the cluster", async () => {
    expect((await put("3", "1", "brief", "?ttl=1")).status).toBe(201);
    expect((await fetch(`${base()}/v1/tenants/3/entries/1`, { headers: auth(TOKENS.admin) })).status).toBe(200);
    await Bun.sleep(2100);
    expect((await fetch(`${base()}/v1/tenants/3/entries/1`, { headers: auth(TOKENS.admin) })).status).toBe(404);
  });
});

describe("app.request() on a RedisClusterStore", () => {
  test("a tenant mismatch is 422 and a protobuf round trip keeps every byte", async () => {
    const store = await harness.open();
    try {
      const app = createApp(store);
      const mismatch = await call(app, "PUT", "/v1/tenants/1/entries/1", { json: entryJson("2") });
      expect([mismatch.status, (await errorOf(mismatch)).code]).toEqual([422, "tenant_mismatch"]);
      const payload = crypto.getRandomValues(new Uint8Array(4096));
      const json = { ...entryJson("1"), payloadBlob: Buffer.from(payload).toString("base64") };
      expect((await call(app, "PUT", "/v1/tenants/1/entries/7", { json })).status).toBe(201);
      const raw = await call(app, "GET", "/v1/tenants/1/entries/7/payload");
      expect(new Uint8Array(await raw.arrayBuffer())).toEqual(payload);
    } finally {
      await store.quit();
    }
  });
});

// Last: takes a replica away and brings it back.
describe("--redis-when-replica-lost on a shard whose replica is killed", () => {
  test("refuse answers 503 degraded; accept stores on the master alone and says so (header, field, metrics, log); both back by themselves", async () => {
    const notices: string[] = [];
    const logger = { info() {}, error() {}, notice: (line: string) => notices.push(line) };
    const args = (choice: string) => [
      "--redis-cluster",
      harness.cluster.seeds,
      "--port",
      "0",
      "--quiet",
      "--redis-when-replica-lost",
      choice,
    ];
    const accept = await startServer(loadConfig(args("accept"), {}), { logger });
    const refuse = await startServer(loadConfig(args("refuse"), {}), { logger: { info() {}, error() {} } });
    const putOn = (running: RunningServer, payload: string) =>
      fetch(`${running.url}/v1/tenants/12/entries/5`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(entryJson("12", payload)),
      });
    const metric = async (series: string) => {
      const text = await (await fetch(`${accept.url}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      return Number(line?.slice(series.length + 1));
    };
    const K = (accept.store as RedisClusterStore).buckets;
    const { replicas } = await harness.cluster.shardOf(
      bucketKeys("reflex", 12n, bucketOf(5n, K)).entryPrefix + id20(5n),
    );
    const replica = replicas[0] as number;
    try {
      const first = await putOn(accept, "replicated");
      expect([first.status, first.headers.get("x-reflex-durability")]).toEqual([201, null]);
      expect(await first.json()).toEqual({ tenant: "12", id: "5", created: true });
      harness.cluster.kill(replica);
      // Until the master has seen its replica go, writes are still confirmed (or 503 outcome_unknown).
      const refusal = async (): Promise<string> => {
        const response = await putOn(refuse, "refused");
        if (response.status === 503) return `503 ${(await errorOf(response)).code}`;
        await response.arrayBuffer();
        return String(response.status);
      };
      let refused = await refusal();
      for (let i = 0; i < 100 && refused !== "503 degraded"; i++) refused = await refusal();
      expect(refused).toBe("503 degraded");
      const weak = await putOn(accept, "master only");
      expect([weak.status, weak.headers.get("x-reflex-durability")]).toEqual([200, "master-only"]);
      expect(await weak.json()).toEqual({ tenant: "12", id: "5", created: false, durability: "master-only" });
      expect(await metric("reflex_cluster_master_only_writes_total")).toBeGreaterThanOrEqual(1);
      expect(await metric("reflex_cluster_shards_without_replica")).toBe(1);
      expect(notices.filter((line) => line.includes("has no online replica"))).toHaveLength(1);
    } finally {
      harness.cluster.restart(replica);
    }
    try {
      await harness.cluster.waitHealthy();
      const back = await putOn(accept, "replicated again");
      expect([back.status, back.headers.get("x-reflex-durability")]).toEqual([200, null]);
      expect((await putOn(refuse, "replicated by refuse")).status).toBe(200);
      expect(await metric("reflex_cluster_shards_without_replica")).toBe(0);
      expect(notices.filter((line) => line.includes("has an online replica again"))).toHaveLength(1);
      const metrics = await (await fetch(`${accept.url}/metrics`)).text();
      expect(await promtoolCheck(metrics)).toEqual({ code: 0, output: "" });
    } finally {
      await accept.shutdown();
      await refuse.shutdown();
    }
  }, 60_000);
});

test("RedisClusterStore is what the server opened", () => {
  expect(server?.store).toBeInstanceOf(RedisClusterStore);
});
