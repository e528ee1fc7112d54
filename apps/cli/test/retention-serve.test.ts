import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { NvmeStorage } from "@reflex/core";
import { expectOneLineError, reflex, removeTempRoots, startServe, tempRoot } from "./helpers.ts";

afterEach(removeTempRoots);

function entry(tenantId: bigint) {
  return {
    tenantId,
    contextHash: 1n,
    timestamp: 1n,
    embedding: new Uint8Array(0),
    payloadBlob: new Uint8Array([1, 2, 3]),
  };
}

describe("reflex put --ttl and reflex gc", () => {
  test("gc --help says recency is the files' mtime, as the README does", async () => {
    const help = await reflex(["gc", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("mtime");
    expect(help.stdout).not.toContain("access times");
  });

  test("an entry put with a ttl is gone after it; gc reclaims its file", async () => {
    const root = tempRoot();
    const put = await reflex(["put", "1", "5", "--ttl", "2", "--json"], { root });
    expect(put.code).toBe(0);
    expect((await reflex(["exists", "1", "5"], { root })).code).toBe(0);
    await Bun.sleep(3_100); // a ttl of 2 s lives 2 to 3 s (expiry has one-second resolution)
    expect((await reflex(["exists", "1", "5"], { root })).code).toBe(1);
    const gc = await reflex(["gc", "--json"], { root });
    expect(gc.code).toBe(0);
    expect(JSON.parse(gc.stdout)).toMatchObject({ expired: 1 });
    expect(readdirSync(join(root, "1"))).toEqual([]);
  });

  test("gc with bounds evicts the least recently used entries, tenant bound first", async () => {
    const root = tempRoot();
    const store = new NvmeStorage(root, { durability: "atomic" });
    const base = Math.floor(Date.now() / 1000) - 1000;
    for (let i = 0; i < 6; i++) {
      store.storeSync(BigInt(i), entry(1n));
      utimesSync(join(root, "1", `${i}.rfx`), base + i, base + i); // 0 is the least recently used
    }
    for (let i = 0; i < 2; i++) {
      store.storeSync(BigInt(i), entry(2n));
      utimesSync(join(root, "2", `${i}.rfx`), base - 100, base - 100); // older, but within its bound
    }
    store.close(); // gives the root's writer lock back for reflex gc
    const gc = await reflex(["gc", "--tenant-max-entries", "4", "--max-entries", "5", "--json"], { root });
    expect(gc.code).toBe(0);
    expect(JSON.parse(gc.stdout)).toEqual({ scanned: 8, expired: 0, evicted: 3 });
    // Tenant 1 (6 > 4) loses 0 and 1 first; then the root (6 > 5) loses its LRU: tenant 2's oldest.
    expect(readdirSync(join(root, "1")).sort()).toEqual(["2.rfx", "3.rfx", "4.rfx", "5.rfx"]);
    expect(readdirSync(join(root, "2")).length).toBe(1);
  });

  test("gc reports every eviction it caused: 1,000 entries, --max-entries 500 -> evicted 500", async () => {
    const root = tempRoot();
    const store = new NvmeStorage(root, { durability: "atomic" });
    for (let i = 0; i < 1000; i++) store.storeSync(BigInt(i), entry(1n)).release();
    store.close();
    const gc = await reflex(["gc", "--max-entries", "500", "--json"], { root });
    expect(JSON.parse(gc.stdout)).toEqual({ scanned: 1000, expired: 0, evicted: 500 });
    expect(readdirSync(join(root, "1")).length).toBe(500);
  });

  test("bad bounds and a bad ttl are usage errors", async () => {
    const root = tempRoot();
    expectOneLineError(await reflex(["gc", "--max-entries", "0"], { root }), 2);
    expectOneLineError(await reflex(["gc", "--max-bytes", "lots"], { root }), 2);
    expectOneLineError(await reflex(["put", "1", "2", "--ttl", "-1"], { root }), 2);
    expectOneLineError(await reflex(["put", "1", "2", "--ttl", "1.5"], { root }), 2);
  });
});

describe("reflex serve", () => {
  test("serves the HTTP API on the root, and stops cleanly on SIGTERM", async () => {
    const root = tempRoot();
    const { process: child, url } = await startServe(["--port", "0", "--quiet"], { ...process.env, REFLEX_ROOT: root });
    expect(url).toMatch(/^http:\/\/\S+$/);
    const put = await fetch(`${url}/v1/tenants/3/entries/4`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenantId: "3", payloadBlob: "aGk=" }),
    });
    expect(put.status).toBe(201);
    const payload = await fetch(`${url}/v1/tenants/3/entries/4/payload`);
    expect(await payload.text()).toBe("hi");
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    expect(new NvmeStorage(root, { readOnly: true }).loadSync(4n, 3n).payloadBlob).toEqual(
      new TextEncoder().encode("hi"),
    );
  });

  test("refuses a non-loopback host without tokens (exit 2) and a bad flag (exit 2)", async () => {
    const root = tempRoot();
    expectOneLineError(await reflex(["serve", "--host", "0.0.0.0", "--port", "0"], { root }), 2);
    expectOneLineError(await reflex(["serve", "--bogus"], { root }), 2);
  });

  test("--help describes the server's flags", async () => {
    const help = await reflex(["serve", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("REFLEX_TOKENS");
    expect(help.stdout).toContain("--max-bytes");
  });
});
