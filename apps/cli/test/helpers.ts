// Runs the real `reflex` process (src/main.ts under this Bun) with pipes for
// stdin, stdout and stderr, as a user's shell would.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type EntryFields, NvmeStorage } from "@reflex/core";
import { spawnScript } from "@reflex/testkit";

/** Absolute path of the CLI entry point. */
export const MAIN = resolve(import.meta.dir, "../src/main.ts");

/** What a run of `reflex` did. */
export interface Result {
  readonly code: number;
  /** stdout, raw. */
  readonly bytes: Uint8Array;
  /** stdout as text. */
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link reflex}. */
export interface RunOptions {
  /** REFLEX_ROOT of the child. */
  readonly root?: string;
  /** Bytes (or text) piped to stdin; stdin is an empty pipe otherwise. */
  readonly stdin?: Uint8Array | string;
  /** Extra environment. */
  readonly env?: Record<string, string>;
}

/** Runs `reflex ...args` as a child process and collects its output. */
export async function reflex(args: readonly string[], options: RunOptions = {}): Promise<Result> {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  if (options.root !== undefined) env.REFLEX_ROOT = options.root;
  const child = Bun.spawn([process.execPath, MAIN, ...args], {
    env,
    stdin: options.stdin === undefined ? "pipe" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  if (options.stdin === undefined) (child.stdin as { end(): void }).end();
  const [bytes, stderr, code] = await Promise.all([
    new Response(child.stdout).bytes(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, bytes, stdout: new TextDecoder().decode(bytes), stderr };
}

/** Runs many `reflex` processes, a few at a time; results in the order of `runs`. */
export async function reflexAll(
  runs: readonly { readonly args: readonly string[]; readonly options?: RunOptions }[],
  concurrency = 6,
): Promise<Result[]> {
  const results: Result[] = new Array(runs.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < runs.length) {
      const index = next++;
      const run = runs[index];
      if (run !== undefined) results[index] = await reflex(run.args, run.options);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, runs.length) }, worker));
  return results;
}

const roots: string[] = [];

/** A fresh empty directory, removed by {@link removeTempRoots}. */
export function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "reflex-cli-"));
  roots.push(root);
  return root;
}

/** Removes every directory {@link tempRoot} made. */
export function removeTempRoots(): void {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
}

/** Stores entries directly through the core (fast: atomic durability). */
export function seed(root: string, entries: readonly { id: bigint; entry: EntryFields }[]): void {
  const store = new NvmeStorage(root, { durability: "atomic" });
  for (const { id, entry } of entries) store.storeSync(id, entry).release();
  store.close();
}

/** A plain copy of every entry of the store: `tenant/id` -> fields, for exact comparison. */
export function snapshot(root: string): Map<string, EntryFields> {
  const store = new NvmeStorage(root, { readOnly: true });
  const out = new Map<string, EntryFields>();
  for (const tenantId of store.listTenantsSync()) {
    for (const id of store.listEntriesSync(tenantId)) {
      const handle = store.loadSync(id, tenantId);
      out.set(`${tenantId}/${id}`, handle.toEntry());
      handle.release();
    }
  }
  return out;
}

/** Asserts the shape of an error: exit `code`, one line `reflex: ...` on stderr, nothing on stdout, no stack. */
export function expectOneLineError(result: Result, code: number): string {
  const lines = result.stderr.split("\n").filter((line) => line !== "");
  if (result.code !== code || lines.length !== 1 || !lines[0]?.startsWith("reflex: ") || result.stdout !== "") {
    throw new Error(`expected exit ${code} and one error line, got ${result.code}: ${JSON.stringify(result)}`);
  }
  if (/\n\s+at /.test(result.stderr)) throw new Error(`stack trace on stderr: ${result.stderr}`);
  return lines[0];
}

/** Deterministic bytes. */
export function bytesOf(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Starts `reflex serve ...args` (with `env` as its whole environment) and resolves once it
 * announces its URL; the caller stops the returned process (SIGTERM).
 */
export async function startServe(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ process: Bun.Subprocess; url: string }> {
  const child = spawnScript(MAIN, ["serve", ...args], { env });
  const line = await child.waitFor((text) => text.startsWith("reflex listening on "));
  return { process: child.process, url: line.slice("reflex listening on ".length).trim() };
}
