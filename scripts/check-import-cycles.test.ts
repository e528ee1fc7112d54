import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { findImportCycles, main } from "./check-import-cycles.ts";

const SCRIPT = join(import.meta.dir, "check-import-cycles.ts");

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A temp tree of `path -> contents`, removed after the test. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "reflex-cycles-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** A small workspace without a cycle: an app over two packages, a bench file, and noise the checker must skip. */
const ACYCLIC: Record<string, string> = {
  "packages/core/package.json": JSON.stringify({ name: "@reflex/core", exports: { ".": "./src/index.ts" } }),
  "packages/core/src/index.ts": 'export { store } from "./store.ts";\nexport type { Contract } from "./contract.ts";\n',
  "packages/core/src/contract.ts": "export interface Contract { x: number }\n",
  "packages/core/src/store.ts":
    'import type { Contract } from "./contract.ts";\nimport { encode } from "@reflex/codec";\n' +
    "export const store = (c: Contract) => encode(c.x);\n",
  "packages/codec/package.json": JSON.stringify({ name: "@reflex/codec", exports: { ".": "./src/index.ts" } }),
  "packages/codec/src/index.ts": 'export { encode } from "./encode";\n',
  "packages/codec/src/encode.ts": "export const encode = (n: number) => n;\n",
  // Generated code and dependencies are not scanned: a cycle there is not ours.
  "packages/codec/src/gen/a.ts": 'import "./b.ts";\n',
  "packages/codec/src/gen/b.ts": 'import "./a.ts";\n',
  "apps/server/package.json": JSON.stringify({ name: "@reflex/server", exports: { ".": "./src/index.ts" } }),
  "apps/server/src/index.ts":
    '/** @example import { app } from "@reflex/server"; */\nimport { store } from "@reflex/core";\n' +
    "const text = \"import { x } from './index.ts'\";\nexport const app = () => [store, text];\n",
  "apps/server/node_modules/x/index.ts": 'import "./index.ts";\n',
  "bench/run.ts":
    'import { app } from "@reflex/server";\nimport { helper } from "./lib/helper.ts";\napp(); helper();\n',
  "bench/lib/helper.ts": "export const helper = () => 1;\n",
};

describe("findImportCycles", () => {
  test("a tree without cycles: every scanned file, every import resolved, no cycle", () => {
    const report = findImportCycles(tree(ACYCLIC));
    expect(report.cycles).toEqual([]);
    expect(report.files).toEqual([
      "apps/server/src/index.ts",
      "bench/lib/helper.ts",
      "bench/run.ts",
      "packages/codec/src/encode.ts",
      "packages/codec/src/index.ts",
      "packages/core/src/contract.ts",
      "packages/core/src/index.ts",
      "packages/core/src/store.ts",
    ]);
    // index->store, index->contract, store->contract, store->codec, codec index->encode,
    // server->core, run->server, run->helper.
    expect(report.edges).toBe(8);
  });

  test("a type-only import closes a cycle too (the contract importing its implementation)", () => {
    const report = findImportCycles(
      tree({
        ...ACYCLIC,
        "packages/core/src/contract.ts":
          'import type { store } from "./store.ts";\nexport interface Contract { x: number; s: typeof store }\n',
      }),
    );
    expect(report.cycles).toEqual([
      ["packages/core/src/contract.ts", "packages/core/src/store.ts", "packages/core/src/contract.ts"],
    ]);
  });

  test("cycles across packages, through re-exports, and every distinct cycle of a tangle", () => {
    const report = findImportCycles(
      tree({
        ...ACYCLIC,
        // codec -> core (index) -> store -> codec: across packages by name.
        "packages/codec/src/encode.ts": 'import { store } from "@reflex/core";\nexport const encode = () => store;\n',
        "reliability/a.ts": 'export * from "./b.ts";\nimport "./c.ts";\n',
        "reliability/b.ts": 'export { a } from "./a.ts";\n',
        "reliability/c.ts": 'import "./a.ts";\n',
        "reliability/self.ts": 'import "./self.ts";\n',
      }),
    );
    expect(report.cycles).toEqual([
      ["reliability/self.ts", "reliability/self.ts"],
      ["reliability/a.ts", "reliability/b.ts", "reliability/a.ts"],
      ["reliability/a.ts", "reliability/c.ts", "reliability/a.ts"],
      [
        "packages/codec/src/encode.ts",
        "packages/core/src/index.ts",
        "packages/core/src/store.ts",
        "packages/codec/src/index.ts",
        "packages/codec/src/encode.ts",
      ],
    ]);
    expect(report.truncated).toBe(false);
  });
});

describe("the command", () => {
  test("exits 0 with a one-line summary when there is no cycle", () => {
    const root = tree(ACYCLIC);
    const run = Bun.spawnSync([process.execPath, SCRIPT, root]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.toString()).toBe("no import cycles: 8 files, 8 imports between them\n");
  });

  test("exits 1 listing every cycle as file -> ... -> file", () => {
    const root = tree({
      ...ACYCLIC,
      "apps/server/src/auth.ts": 'import type { Env } from "./env.ts";\nexport type Auth = Env;\n',
      "apps/server/src/env.ts": 'import type { Auth } from "./auth.ts";\nexport interface Env { a?: Auth }\n',
    });
    const run = Bun.spawnSync([process.execPath, SCRIPT, root]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout.toString()).toBe(
      "1 import cycle(s) among 10 files:\n  apps/server/src/auth.ts -> apps/server/src/env.ts -> apps/server/src/auth.ts\n",
    );
  });

  test("exits 2 when the root is not a directory", () => {
    const lines: string[] = [];
    expect(main(join(tree({}), "missing"), (line) => lines.push(line))).toBe(2);
    expect(lines[0]).toEndWith("is not a directory");
  });
});
