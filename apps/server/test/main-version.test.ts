import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import packageJson from "../package.json" with { type: "json" };
import { loadConfig } from "../src/config/config.ts";
import { removeTestDirs, tempDir } from "./helpers.ts";

afterEach(removeTestDirs);

const MAIN = join(import.meta.dir, "..", "src", "main.ts");

async function runMain(args: string[], cwd: string) {
  const child = Bun.spawn([process.execPath, MAIN, ...args], {
    cwd,
    env: { ...process.env, REFLEX_PORT: "0" },
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

describe("bun src/main.ts --version", () => {
  test("--version and -V print the package's version and exit 0 without opening a store", async () => {
    const cwd = tempDir();
    for (const flag of ["--version", "-V"]) {
      const run = await runMain([flag, "--root", "data"], cwd);
      expect(run.stdout).toBe(`reflex-server ${packageJson.version}\n`);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(existsSync(join(cwd, "data"))).toBe(false); // no root made, no port bound
    }
  });

  test("--help lists it; loadConfig reads it as a flag", async () => {
    const help = await runMain(["--help"], tempDir());
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("-V, --version");
    expect(loadConfig(["--version"], {}).version).toBe(true);
    expect(loadConfig([], {}).version).toBeUndefined(); // absent, as in DEFAULT_CONFIG
  });
});
