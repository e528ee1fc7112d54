// `reflex search --context-hash N`, and `nearest` in --json and beside the text output.
import { afterEach, expect, test } from "bun:test";
import type { EntryFields } from "@reflex/core";
import { expectOneLineError, reflex, removeTempRoots, seed, tempRoot } from "./helpers.ts";

afterEach(removeTempRoots);

function f16(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (const [i, value] of values.entries()) view.setFloat16(i * 2, value, true);
  return bytes;
}

function entry(values: number[], contextHash: bigint): EntryFields {
  return { tenantId: 1n, contextHash, timestamp: 1n, embedding: f16(values), payloadBlob: new Uint8Array(1) };
}

function seeded(): string {
  const root = tempRoot();
  seed(root, [
    { id: 1n, entry: entry([1, 0, 0], 5n) },
    { id: 2n, entry: entry([1, 0.1, 0], 6n) },
    { id: 3n, entry: entry([1, 1, 0], 18446744073709551615n) },
  ]);
  return root;
}

type Body = { hits: { id: string; contextHash: string }[]; nearest: number | null };

test("--context-hash scopes the hits; --json carries nearest, on a hit, a miss and with no candidate", async () => {
  const root = seeded();
  const search = async (...extra: string[]) => {
    const run = await reflex(["search", "1", "--embedding", "-", "--k", "5", "--json", ...extra], {
      root,
      stdin: f16([1, 0, 0]),
    });
    return { code: run.code, body: JSON.parse(run.stdout) as Body };
  };
  const six = await search("--context-hash", "6");
  expect(six.code).toBe(0);
  expect(six.body.hits.map((hit) => [hit.id, hit.contextHash])).toEqual([["2", "6"]]);
  expect(six.body.nearest).toBeGreaterThan(0.99);
  const miss = await search("--context-hash", "18446744073709551615");
  expect(miss.code).toBe(1);
  expect(miss.body.hits).toEqual([]);
  expect(miss.body.nearest as number).toBeCloseTo(Math.SQRT1_2, 3);
  expect(await search("--context-hash", "0")).toEqual({
    code: 1,
    body: { tenantId: "1", hits: [], nearest: null },
  } as never);
});

test("text output: hits on stdout, nearest on stderr; a bad --context-hash is a usage error", async () => {
  const root = seeded();
  const hit = await reflex(["search", "1", "--embedding", "-", "--context-hash", "5"], { root, stdin: f16([1, 0, 0]) });
  expect(hit.code).toBe(0);
  expect(hit.stdout.split("\n").filter(Boolean).length).toBe(1);
  expect(hit.stderr).toContain("nearest: 1.0000");
  const miss = await reflex(["search", "1", "--embedding", "-", "--context-hash", "18446744073709551615"], {
    root,
    stdin: f16([1, 0, 0]),
  });
  expect([miss.code, miss.stdout]).toEqual([1, ""]);
  expect(miss.stderr).toContain("nearest: 0.7071");
  const none = await reflex(["search", "1", "--embedding", "-", "--context-hash", "9"], {
    root,
    stdin: f16([1, 0, 0]),
  });
  expect(none.stderr).toContain("nearest: none");
  expectOneLineError(
    await reflex(["search", "1", "--embedding", "-", "--context-hash", "-1"], { root, stdin: f16([1, 0, 0]) }),
    2,
  );
});
