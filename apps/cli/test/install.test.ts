// The ways README says to get a `reflex` command: the root script, `bun link` from a clone, and
// the single binary `bun run build` makes. Each is run for real, from another directory.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import packageJson from "../package.json" with { type: "json" };
import { removeTempRoots, tempRoot } from "./helpers.ts";

afterEach(removeTempRoots);

const REPO = resolve(import.meta.dir, "../../..");
const CLI_DIR = resolve(import.meta.dir, "..");
const VERSION_LINE = `reflex ${packageJson.version}\n`;

async function spawnText(
  cmd: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn(cmd, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

describe("installing reflex", () => {
  test("bun run reflex -- <args> at the repo root runs the CLI", async () => {
    const run = await spawnText([process.execPath, "run", "reflex", "--", "--version"], { cwd: REPO });
    expect(run.stderr).not.toContain("error");
    expect(run.stdout).toBe(VERSION_LINE);
    expect(run.code).toBe(0);
  });

  test("bun link in apps/cli puts a working reflex on PATH (a private BUN_INSTALL)", async () => {
    const bunInstall = tempRoot(); // where bun keeps global links and bins: not the user's own
    const env = { BUN_INSTALL: bunInstall };
    const link = await spawnText([process.execPath, "link"], { cwd: CLI_DIR, env });
    expect(link.code).toBe(0);
    expect(link.stdout).toContain('Registered "@reflex/cli"');
    const bin = join(bunInstall, "bin", "reflex");
    expect(existsSync(bin)).toBe(true);
    const elsewhere = tempRoot();
    const path = `${join(bunInstall, "bin")}:${process.env.PATH ?? ""}`;
    const version = await spawnText(["reflex", "--version"], { cwd: elsewhere, env: { ...env, PATH: path } });
    expect(version.stdout).toBe(VERSION_LINE);
    expect(version.code).toBe(0);
    // Not only --version: a command that opens a store works from the linked bin too.
    const stats = await spawnText(["reflex", "stats", "--json", "--root", join(elsewhere, "data")], {
      cwd: elsewhere,
      env: { ...env, PATH: path },
    });
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({ tenantCount: 0, entryCount: 0 });
  });

  test("bun run build makes dist/reflex: --version, and serve answering /healthz until SIGTERM", async () => {
    const build = await spawnText([process.execPath, "run", "build"], { cwd: REPO });
    expect(build.code).toBe(0);
    const binary = join(REPO, "dist", "reflex");
    expect(existsSync(binary)).toBe(true);
    const elsewhere = tempRoot();
    const noBun = { PATH: tempRoot() }; // an empty PATH: the binary carries its own Bun
    const version = await spawnText([binary, "--version"], { cwd: elsewhere, env: noBun });
    expect(version.stdout).toBe(VERSION_LINE);
    expect(version.code).toBe(0);

    const root = join(elsewhere, "data");
    const server = Bun.spawn([binary, "serve", "--host", "127.0.0.1", "--port", "0", "--quiet", "--root", root], {
      cwd: elsewhere,
      env: { ...process.env, ...noBun },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      const reader = server.stdout.getReader();
      let text = "";
      while (!text.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      const url = /reflex listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
      expect(url).toBeDefined();
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok" });
    } finally {
      process.kill(server.pid, "SIGTERM");
    }
    expect(await server.exited).toBe(0);
    expect(existsSync(join(root, ".reflex-lock"))).toBe(true); // it served that root, not another
  });
});
