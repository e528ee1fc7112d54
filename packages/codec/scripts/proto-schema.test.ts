// Runs scripts/proto-schema.ts on a copy of the schema: what it lets through and what it stops.
import { afterEach, describe, expect, test } from "bun:test";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { removeTempDirs, tempDir } from "@reflex/testkit";

afterEach(removeTempDirs);

const CODEC = resolve(import.meta.dir, "..");
const SCRIPT = join(import.meta.dir, "proto-schema.ts");
const ENTRY = join("proto", "reflex", "v1", "cache_entry.proto");

/** A copy of buf.yaml, proto/ and the checked-in image. */
function copyOfSchema(): string {
  const dir = tempDir("reflex-proto-");
  for (const name of ["buf.yaml", "proto", "proto-image.binpb"]) {
    cpSync(join(CODEC, name), join(dir, name), { recursive: true });
  }
  return dir;
}

function edit(dir: string, from: string, to: string): void {
  const path = join(dir, ENTRY);
  const text = readFileSync(path, "utf8");
  expect(text).toContain(from);
  writeFileSync(path, text.replace(from, to));
}

function schema(dir: string, ...args: string[]): { code: number; output: string } {
  const result = Bun.spawnSync([process.execPath, SCRIPT, ...args, "--dir", dir], { stdout: "pipe", stderr: "pipe" });
  return { code: result.exitCode, output: `${result.stdout.toString()}${result.stderr.toString()}` };
}

describe("scripts/proto-schema.ts", () => {
  test("the checked-in schema passes lint and breaking, and its image is current", () => {
    const run = schema(CODEC, "check");
    expect(run.output).toContain("buf lint: ok");
    expect(run.output).toContain("buf breaking against proto-image.binpb: ok");
    expect(run.output).toContain("proto-image.binpb is current");
    expect(run.code).toBe(0);
  });

  test("a renumbered field fails check, and update refuses it unless --allow-breaking", () => {
    const dir = copyOfSchema();
    const before = readFileSync(join(dir, "proto-image.binpb"));
    edit(dir, "int64 expires_at = 6;", "int64 expires_at = 7;");
    const check = schema(dir, "check");
    expect(check.code).toBe(1);
    expect(check.output).toContain("buf breaking against proto-image.binpb: FAILED");
    expect(check.output).toContain("expires_at");
    const update = schema(dir, "update");
    expect(update.code).toBe(1);
    expect(update.output).toContain("refused");
    expect(readFileSync(join(dir, "proto-image.binpb"))).toEqual(before);
    expect(schema(dir, "update", "--allow-breaking").code).toBe(0);
    expect(schema(dir, "check").code).toBe(0);
  });

  test("an added field is compatible but leaves the image stale until update", () => {
    const dir = copyOfSchema();
    edit(dir, "int64 expires_at = 6;", "int64 expires_at = 6;\n  uint32 hits = 7;");
    const stale = schema(dir, "check");
    expect(stale.output).toContain("buf breaking against proto-image.binpb: ok");
    expect(stale.output).toContain("out of date");
    expect(stale.code).toBe(1);
    expect(schema(dir, "update").code).toBe(0);
    expect(schema(dir, "check").code).toBe(0);
    // From now on the new field is part of the baseline: removing it is breaking.
    edit(dir, "\n  uint32 hits = 7;", "");
    expect(schema(dir, "check").output).toContain("FAILED");
  });

  test("a field name against the style fails buf lint", () => {
    const dir = copyOfSchema();
    edit(dir, "int64 expires_at = 6;", "int64 expires_at = 6;\n  uint32 hitCount = 7;");
    const check = schema(dir, "check");
    expect(check.code).toBe(1);
    expect(check.output).toContain("buf lint: FAILED");
    expect(check.output).toContain("hitCount");
  });
});
