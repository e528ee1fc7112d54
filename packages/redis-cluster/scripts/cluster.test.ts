import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster } from "ioredis";
import { freeBasePort, redisServerAvailable } from "../test/cluster.ts";

const SCRIPT = join(import.meta.dir, "cluster.ts");
const dir = mkdtempSync(join(tmpdir(), "reflex-cluster-script-"));
afterAll(() => {
  // Whatever a failed run left running, by the pids it recorded.
  const state = join(dir, "cluster.json");
  if (existsSync(state)) {
    for (const pid of (JSON.parse(readFileSync(state, "utf8")) as { pids: number[] }).pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

async function script(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([process.execPath, SCRIPT, ...args, "--dir", dir], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("start leaves a healthy cluster running and prints its seeds; stop ends it by pid; start again brings the data back", async () => {
  if (!redisServerAvailable()) throw new Error("redis-server is not installed (apt-get install -y redis-server)");
  const port = await freeBasePort(6);
  const started = await script("start", "--port", String(port));
  expect(started.code).toBe(0);
  const seeds = /^REFLEX_REDIS_CLUSTER=(\S+)$/m.exec(started.stdout)?.[1] ?? "";
  expect(seeds.split(",")).toHaveLength(6);
  const { pids } = JSON.parse(readFileSync(join(dir, "cluster.json"), "utf8")) as { pids: number[] };
  expect(pids.every(alive)).toBe(true);
  const client = new Cluster([{ host: "127.0.0.1", port }]);
  await client.set("{k}:x", "kept");
  client.disconnect();
  expect((await script("start", "--port", String(port))).code).toBe(1); // already running

  expect((await script("stop")).code).toBe(0);
  expect(pids.some(alive)).toBe(false);
  expect((await script("stop")).code).toBe(1); // nothing to stop

  expect((await script("start", "--port", String(port))).code).toBe(0);
  const again = new Cluster([{ host: "127.0.0.1", port }]);
  expect(await again.get("{k}:x")).toBe("kept");
  again.disconnect();
  expect((await script("stop")).code).toBe(0);
}, 90_000);
