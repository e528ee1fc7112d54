// One writer per root, from a user's shell: with `reflex serve` running on a root,
// writing commands exit 3 and say what to do; read-only commands work beside it and
// see what the server wrote and removed.
import { afterEach, describe, expect, test } from "bun:test";
import { expectOneLineError, MAIN, reflex, removeTempRoots, tempRoot } from "./helpers.ts";

const servers: Bun.Subprocess[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.kill("SIGKILL");
    await server.exited;
  }
  removeTempRoots();
});

async function serve(root: string): Promise<{ url: string; pid: number }> {
  const child = Bun.spawn([process.execPath, MAIN, "serve", "--port", "0", "--quiet"], {
    env: { ...process.env, REFLEX_ROOT: root },
    stdout: "pipe",
    stderr: "pipe",
  });
  servers.push(child);
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const url = /reflex listening on (http:\/\/\S+)/.exec(text)?.[1];
  if (url === undefined) throw new Error(`serve did not start: ${text}`);
  return { url, pid: child.pid };
}

async function put(url: string, tenant: number, id: number, payload: string): Promise<number> {
  const response = await fetch(`${url}/v1/tenants/${tenant}/entries/${id}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenantId: String(tenant), payloadBlob: Buffer.from(payload).toString("base64") }),
  });
  return response.status;
}

describe("reflex beside a running server", () => {
  test("writing commands exit 3: the server pid N holds this root; nothing changes", async () => {
    const root = tempRoot();
    const server = await serve(root);
    expect(await put(server.url, 1, 45, "kept")).toBe(201);
    const message = `reflex: the server pid ${server.pid} holds this root: use the HTTP API or stop it`;
    const writers = [
      ["rm", "1", "45"],
      ["put", "1", "46"],
      ["cleanup"],
      ["gc"],
      ["import"],
      ["touch", "1", "45", "--ttl", "5"],
      ["rm-tenant", "1"],
    ];
    for (const args of writers) {
      const result = await reflex(args, { root, stdin: "" });
      expect(expectOneLineError(result, 3)).toBe(message);
    }
    const payload = await fetch(`${server.url}/v1/tenants/1/entries/45/payload`);
    expect(payload.status).toBe(200);
    expect(await payload.text()).toBe("kept");
    expect((await fetch(`${server.url}/v1/tenants/1/entries/46`)).status).toBe(404);
  });

  test("get, exists, ls, stats, verify and export work beside it and see its writes and deletes", async () => {
    const root = tempRoot();
    const server = await serve(root);
    expect(await put(server.url, 1, 45, "first")).toBe(201);
    expect((await reflex(["get", "1", "45", "--payload"], { root })).stdout).toBe("first");
    expect((await reflex(["exists", "1", "45"], { root })).code).toBe(0);
    expect((await reflex(["ls", "1"], { root })).stdout).toBe("45\n");
    expect(JSON.parse((await reflex(["stats", "--json"], { root })).stdout)).toMatchObject({ entryCount: 1 });
    expect((await reflex(["verify", "--json"], { root })).code).toBe(0);
    expect((await reflex(["export"], { root })).bytes.byteLength).toBeGreaterThan(0);
    expect((await fetch(`${server.url}/v1/tenants/1/entries/45`, { method: "DELETE" })).status).toBe(204);
    expect((await reflex(["exists", "1", "45"], { root })).code).toBe(1);
    expectOneLineError(await reflex(["get", "1", "45"], { root }), 1);
    expect(JSON.parse((await reflex(["stats", "--json"], { root })).stdout)).toMatchObject({ entryCount: 0 });
  });

  test("once the server is SIGKILLed, writing commands work at once (no stale lock)", async () => {
    const root = tempRoot();
    const server = await serve(root);
    expect(await put(server.url, 1, 45, "x")).toBe(201);
    const child = servers.pop();
    child?.kill("SIGKILL");
    await child?.exited;
    expect((await reflex(["rm", "1", "45"], { root })).code).toBe(0);
    expect((await reflex(["exists", "1", "45"], { root })).code).toBe(1);
  });

  test("a second server on the same root refuses to start, exit 3, naming the first", async () => {
    const root = tempRoot();
    const server = await serve(root);
    const second = await reflex(["serve", "--port", "0", "--quiet"], { root });
    expect(expectOneLineError(second, 3)).toBe(
      `reflex: the server pid ${server.pid} holds this root: use the HTTP API or stop it`,
    );
  });
});
