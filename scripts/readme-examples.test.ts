// README's TypeScript examples, run as a reader would: saved as a file at the clone's root (so
// `@reflex/core` resolves the way it does for them) and run with `bun` in an empty directory.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dir, "..");
const README = readFileSync(join(REPO, "README.md"), "utf8");

const cleanup: string[] = [];
afterEach(() => {
  for (const path of cleanup.splice(0)) rmSync(path, { recursive: true, force: true });
});

/** The first ```ts block after `heading`. */
function exampleAfter(heading: string): string {
  const at = README.indexOf(heading);
  expect(at).toBeGreaterThanOrEqual(0);
  const block = /```ts\n([\s\S]*?)```/.exec(README.slice(at))?.[1];
  if (block === undefined) throw new Error(`no ts block after ${heading}`);
  return block;
}

/** Runs `source` saved at the repo root, from a fresh empty working directory. */
function runAtRoot(source: string): { code: number; stdout: string; stderr: string; cwd: string } {
  const file = join(REPO, `.readme-example-${process.pid}.ts`);
  const cwd = mkdtempSync(join(tmpdir(), "reflex-readme-"));
  cleanup.push(file, cwd);
  writeFileSync(file, source);
  const result = Bun.spawnSync([process.execPath, file], { cwd, stdout: "pipe", stderr: "pipe" });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString(), cwd };
}

describe("README examples", () => {
  test('"Using the core" runs from the clone and prints the cached answer', () => {
    const run = runAtRoot(exampleAfter("## Using the core"));
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("cached answer\n");
    expect(run.code).toBe(0);
    expect(existsSync(join(run.cwd, "reflex-data", "1", "42.rfx"))).toBe(true); // ./reflex-data of the cwd
  });

  test('"Lookup" after it finds the entry by similarity and by context hash', () => {
    const source = `${exampleAfter("## Using the core")}\n${exampleAfter("## Lookup")}
const found = await store.findByContext(1n, 7n);
console.log(JSON.stringify({ hits: hits.map((h) => String(h.entryId)), found: found.map(String) }));
`;
    const run = runAtRoot(source);
    expect(run.stderr).toBe("");
    expect(run.stdout.trim().split("\n").at(-1)).toBe(JSON.stringify({ hits: ["42"], found: ["42"] }));
    expect(run.code).toBe(0);
  });
});

describe("README's client and LangChain snippets resolve from the clone's root", () => {
  test("their imports (@reflex/client, @reflex/langchain) resolve from a file at the root", () => {
    for (const heading of ["### From TypeScript", "### From LangChain"]) {
      const imports = [...exampleAfter(heading).matchAll(/from "(@reflex\/[a-z-]+)"/g)].map((m) => m[1] as string);
      expect(imports.length).toBeGreaterThan(0);
      for (const name of imports) expect(Bun.resolveSync(name, REPO)).toContain(REPO);
    }
  });
});
