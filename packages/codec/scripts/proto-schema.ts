#!/usr/bin/env bun
/**
 * Guards the protobuf schema, whose field numbers are the on-disk format (every `.rfx` file and
 * dump holds `reflex.v1.CacheEntry`):
 *
 *   bun scripts/proto-schema.ts check                    buf lint; buf breaking against the checked-in
 *                                                        image; the image is the schema as it is now
 *   bun scripts/proto-schema.ts update [--allow-breaking]   rewrite proto-image.binpb from proto/,
 *                                                        refused when buf breaking fails, unless told
 *
 * `proto-image.binpb` is `buf build --exclude-source-info` of proto/: the baseline that `buf
 * breaking` compares with, so a clean clone needs no git history. Without source info it changes
 * only when the schema does (not its comments), and `check` fails until an added field or message
 * is in the image, so the next change is compared with it. `--dir DIR` runs on another copy.
 */
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const IMAGE = "proto-image.binpb";
const BUF = resolve(import.meta.dir, "../node_modules/.bin/buf");

function buf(dir: string, args: string[]): { ok: boolean; output: string } {
  const result = Bun.spawnSync([BUF, ...args], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  return { ok: result.exitCode === 0, output: `${result.stdout.toString()}${result.stderr.toString()}`.trim() };
}

/** Builds the schema of `dir` into `out`, without source info (stable across comment edits). */
function build(dir: string, out: string): void {
  const built = buf(dir, ["build", "--exclude-source-info", "-o", out]);
  if (!built.ok) throw new Error(`buf build failed:\n${built.output}`);
}

function check(dir: string): boolean {
  let ok = true;
  const lint = buf(dir, ["lint"]);
  console.log(lint.ok ? "buf lint: ok" : `buf lint: FAILED\n${lint.output}`);
  ok &&= lint.ok;
  if (!existsSync(join(dir, IMAGE))) {
    console.log(`buf breaking: FAILED: ${IMAGE} is missing (bun scripts/proto-schema.ts update)`);
    return false;
  }
  const breaking = buf(dir, ["breaking", "--against", IMAGE]);
  console.log(
    breaking.ok
      ? `buf breaking against ${IMAGE}: ok`
      : `buf breaking against ${IMAGE}: FAILED (field numbers, types and names are the on-disk and JSON format)\n${breaking.output}`,
  );
  ok &&= breaking.ok;
  const fresh = join(dir, `.${IMAGE}.fresh`);
  build(dir, fresh);
  const same = Buffer.compare(readFileSync(fresh), readFileSync(join(dir, IMAGE))) === 0;
  rmSync(fresh, { force: true });
  console.log(
    same
      ? `${IMAGE} is current`
      : `${IMAGE} is out of date: the schema changed; run 'bun scripts/proto-schema.ts update' and commit it`,
  );
  return ok && same;
}

function update(dir: string, allowBreaking: boolean): boolean {
  if (existsSync(join(dir, IMAGE))) {
    const breaking = buf(dir, ["breaking", "--against", IMAGE]);
    if (!breaking.ok && !allowBreaking) {
      console.log(`refused: the schema breaks ${IMAGE}:\n${breaking.output}`);
      console.log("existing files would read wrongly; if that is really meant, pass --allow-breaking");
      return false;
    }
  }
  const next = join(dir, `.${IMAGE}.next`);
  build(dir, next);
  renameSync(next, join(dir, IMAGE));
  console.log(`wrote ${IMAGE}`);
  return true;
}

const args = Bun.argv.slice(2);
const dirAt = args.indexOf("--dir");
const dir =
  dirAt >= 0 && args[dirAt + 1] !== undefined ? resolve(args[dirAt + 1] as string) : resolve(import.meta.dir, "..");
const mode = args[0];
if (mode === "check") process.exit(check(dir) ? 0 : 1);
if (mode === "update") process.exit(update(dir, args.includes("--allow-breaking")) ? 0 : 1);
console.error("usage: bun scripts/proto-schema.ts check | update [--allow-breaking] [--dir DIR]");
process.exit(2);
