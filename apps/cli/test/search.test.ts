// `reflex search` and `reflex ls --context-hash`, by running the real process.
import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EntryFields } from "@reflex/core";
import { expectOneLineError, reflex, removeTempRoots, seed, tempRoot } from "./helpers.ts";

afterEach(removeTempRoots);

function f16(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (const [i, value] of values.entries()) view.setFloat16(i * 2, value, true);
  return bytes;
}

function entry(values: number[], timestamp: bigint, contextHash = 7n, tenantId = 1n): EntryFields {
  return { tenantId, contextHash, timestamp, embedding: f16(values), payloadBlob: new Uint8Array(1) };
}

function seeded(): string {
  const root = tempRoot();
  seed(root, [
    { id: 1n, entry: entry([1, 0, 0], 100n) },
    { id: 2n, entry: entry([1, 0.2, 0], 300n) },
    { id: 3n, entry: entry([0, 1, 0], 200n, 8n) },
    { id: 4n, entry: entry([1, 0, 0], 400n, 7n, 2n) },
  ]);
  return root;
}

describe("reflex search", () => {
  test("prints hits best first from a file or stdin; --json has ids and metadata as strings", async () => {
    const root = seeded();
    const file = join(root, "..", "query.f16");
    writeFileSync(file, f16([1, 0, 0]));
    const text = await reflex(["search", "1", "--embedding", file, "--k", "5"], { root });
    expect(text.code).toBe(0);
    expect(
      text.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split(/\s+/)[0]),
    ).toEqual(["1", "2"]);
    expect(text.stdout).toContain("1.0000");
    const json = await reflex(["search", "1", "--embedding", "-", "--k", "5", "--json"], {
      root,
      stdin: f16([1, 0, 0]),
    });
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout) as { tenantId: string; hits: Record<string, unknown>[] };
    expect(body.tenantId).toBe("1");
    expect(body.hits.map((hit) => [hit.id, hit.timestamp, hit.contextHash])).toEqual([
      ["1", "100", "7"],
      ["2", "300", "7"],
    ]);
    const loose = await reflex(
      ["search", "1", "--embedding", file, "--k", "9", "--min-similarity", "-1", "--exact", "--json"],
      {
        root,
      },
    );
    expect((JSON.parse(loose.stdout) as { hits: unknown[] }).hits.length).toBe(3);
  });

  test("exit 1 with no hit or no such tenant; 2 for a bad embedding or option", async () => {
    const root = seeded();
    const none = await reflex(["search", "1", "--embedding", "-", "--min-similarity", "0.99"], {
      root,
      stdin: f16([0, 0, 1]),
    });
    expect([none.code, none.stdout]).toEqual([1, ""]);
    expectOneLineError(await reflex(["search", "9", "--embedding", "-"], { root, stdin: f16([1, 0, 0]) }), 1);
    expect(expectOneLineError(await reflex(["search", "1", "--embedding", "-"], { root, stdin: "abc" }), 2)).toContain(
      "even number",
    );
    expectOneLineError(await reflex(["search", "1", "--embedding", "-"], { root, stdin: f16([0, 0, 0]) }), 2);
    expectOneLineError(await reflex(["search", "1"], { root }), 2);
    expectOneLineError(await reflex(["search", "1", "--embedding", join(root, "missing")], { root }), 2);
    for (const bad of [
      ["--k", "0"],
      ["--k", "101"],
      ["--min-similarity", "1.5"],
      ["--min-similarity", "x"],
    ]) {
      expectOneLineError(await reflex(["search", "1", "--embedding", "-", ...bad], { root, stdin: f16([1, 0, 0]) }), 2);
    }
  });

  test("--help explains it", async () => {
    const help = await reflex(["search", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: reflex search <tenant> --embedding FILE|-");
    expect(help.stdout).toContain("--min-similarity X");
    expect((await reflex(["--help"])).stdout).toContain("search");
  });
});

describe("reflex ls --context-hash", () => {
  test("ids with that context hash, newest first; --limit pages it; no tenant is a usage error", async () => {
    const root = seeded();
    const ls = await reflex(["ls", "1", "--context-hash", "7"], { root });
    expect([ls.code, ls.stdout]).toEqual([0, "2\n1\n"]);
    const json = await reflex(["ls", "1", "--context-hash", "7", "--limit", "1", "--json"], { root });
    expect(JSON.parse(json.stdout)).toEqual({ tenantId: "1", entryIds: ["2"], next: "2" });
    expect((await reflex(["ls", "1", "--context-hash", "9"], { root })).stdout).toBe("");
    expectOneLineError(await reflex(["ls", "--context-hash", "7"], { root }), 2);
    expectOneLineError(await reflex(["ls", "1", "--context-hash", "7", "--after", "3"], { root }), 2);
    expectOneLineError(await reflex(["ls", "1", "--context-hash", "-1"], { root }), 2);
  });
});
