// reflex get <tenant> <id> <id>...: one batch read through the real process.
import { afterAll, describe, expect, test } from "bun:test";
import { expectOneLineError, reflex, removeTempRoots, seed, tempRoot } from "./helpers.ts";

afterAll(removeTempRoots);

const utf8 = new TextEncoder();
const entry = (tenantId: bigint, text: string) => ({
  tenantId,
  contextHash: 5n,
  timestamp: 1_700_000_000n,
  embedding: new Uint8Array(0),
  payloadBlob: utf8.encode(text),
});

describe("reflex get with several ids", () => {
  test("--json prints one line per entry found, in the order asked for", async () => {
    const root = tempRoot();
    seed(root, [
      { id: 1n, entry: entry(1n, "one") },
      { id: 2n, entry: entry(1n, "two") },
    ]);
    const result = await reflex(["get", "1", "2", "1", "--json"], { root });
    expect(result).toMatchObject({ code: 0, stderr: "" });
    const lines = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.entryId, Buffer.from(line.payloadBlob, "base64").toString()])).toEqual([
      ["2", "two"],
      ["1", "one"],
    ]);
  });

  test("summaries of the entries found; missing ids named on stderr and exit 1", async () => {
    const root = tempRoot();
    seed(root, [
      { id: 1n, entry: entry(1n, "one") },
      { id: 3n, entry: entry(2n, "tenant two") },
    ]);
    const result = await reflex(["get", "1", "1", "3", "9"], { root });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("entry         1");
    expect(result.stdout).toContain('"one"');
    expect(result.stdout).not.toContain("tenant two");
    expect(result.stderr).toBe("reflex: get: entries 3, 9 of tenant 1 not found\n");
  });

  test("a bad id anywhere is a usage error before anything is read; --payload takes one id", async () => {
    const root = tempRoot();
    seed(root, [{ id: 1n, entry: entry(1n, "one") }]);
    expect(expectOneLineError(await reflex(["get", "1", "1", "x"], { root }), 2)).toContain("entry id");
    expect(expectOneLineError(await reflex(["get", "1", "1", "2", "--payload"], { root }), 2)).toContain("--payload");
  });
});
