// Search and the exact lookup over a real server on an ephemeral loopback port,
// including a restart: the new server's index is built from the files it finds.
import { afterEach, expect, test } from "bun:test";
import type { RunningServer } from "../src/server.ts";
import { removeTestDirs, TOKENS, tempDir } from "./helpers.ts";
import { startTokenServer } from "./token-server.ts";

afterEach(removeTestDirs);

const running: RunningServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.shutdown();
});

async function start(dir: string, lookupMaxBytes?: number): Promise<RunningServer> {
  const server = await startTokenServer(dir, lookupMaxBytes === undefined ? {} : { lookupMaxBytes });
  running.push(server);
  return server;
}

function f16Base64(values: readonly number[]): string {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (const [i, value] of values.entries()) view.setFloat16(i * 2, value, true);
  return Buffer.from(bytes).toString("base64");
}

const headers = { Authorization: `Bearer ${TOKENS.tenant1}`, "Content-Type": "application/json" };

test("store, search, exact lookup, delete, restart and search again over fetch", async () => {
  const dir = tempDir();
  let server = await start(dir);
  for (const [id, values, hash] of [
    ["1", [1, 0, 0], "7"],
    ["2", [1, 0.2, 0], "7"],
    ["3", [0, 0, 1], "8"],
  ] as const) {
    const res = await fetch(`${server.url}/v1/tenants/1/entries/${id}`, {
      method: "PUT",
      headers,
      body: JSON.stringify({ contextHash: hash, timestamp: `17000000${id}0`, embedding: f16Base64(values) }),
    });
    expect(res.status).toBe(201);
  }
  const search = async () => {
    const res = await fetch(`${server.url}/v1/tenants/1/search`, {
      method: "POST",
      headers,
      body: JSON.stringify({ embedding: f16Base64([1, 0, 0]), k: 5 }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { hits: { id: string }[] }).hits.map((hit) => hit.id);
  };
  expect(await search()).toEqual(["1", "2"]);
  const byHash = await fetch(`${server.url}/v1/tenants/1/entries?contextHash=7`, { headers });
  expect(await byHash.json()).toEqual({ ids: ["2", "1"], next: null });
  expect((await fetch(`${server.url}/v1/tenants/1/entries/1`, { method: "DELETE", headers })).status).toBe(204);
  expect(await search()).toEqual(["2"]);

  await server.shutdown();
  running.splice(0);
  server = await start(dir);
  expect(await search()).toEqual(["2"]);
  const forbidden = await fetch(`${server.url}/v1/tenants/2/search`, {
    method: "POST",
    headers,
    body: JSON.stringify({ embedding: f16Base64([1, 0, 0]) }),
  });
  expect(forbidden.status).toBe(403);
});

test("past --lookup-max-bytes a search is 503 index_full naming the bound; stores go on", async () => {
  const server = await start(tempDir(), 1000);
  for (let id = 0; id < 8; id++) {
    const res = await fetch(`${server.url}/v1/tenants/1/entries/${id}`, {
      method: "PUT",
      headers,
      body: JSON.stringify({ embedding: f16Base64([1, 0, 0]) }),
    });
    expect(res.status).toBe(201);
  }
  const res = await fetch(`${server.url}/v1/tenants/1/search`, {
    method: "POST",
    headers,
    body: JSON.stringify({ embedding: f16Base64([1, 0, 0]) }),
  });
  expect(res.status).toBe(503);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("index_full");
  expect(body.error.message).toContain("1000 bytes");
});
