import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { expectOneLineError, reflex, removeTempRoots, seed, tempRoot } from "./helpers.ts";

afterEach(removeTempRoots);

function entries(tenantId: bigint, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: BigInt(i),
    entry: { tenantId, contextHash: 1n, timestamp: 1n, embedding: new Uint8Array(0), payloadBlob: new Uint8Array(3) },
  }));
}

describe("reflex rm-tenant", () => {
  test("deletes every entry of the tenant and no other, and says how many", async () => {
    const root = tempRoot();
    seed(root, [...entries(1n, 300), ...entries(2n, 2)]);
    const result = await reflex(["rm-tenant", "1"], { root });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("removed tenant 1: 300 entries\n");
    expect(result.stderr).toBe(""); // no progress bar: stderr is not a terminal
    expect((await reflex(["ls"], { root })).stdout).toBe("2\n");
    expect(readdirSync(root).sort()).toEqual([".reflex-lock", "2"]);
    expectOneLineError(await reflex(["rm-tenant", "1"], { root }), 1);
  });

  test("--json; a bad tenant id is a usage error", async () => {
    const root = tempRoot();
    seed(root, entries(5n, 3));
    expect(JSON.parse((await reflex(["rm-tenant", "5", "--json"], { root })).stdout)).toEqual({
      tenantId: "5",
      removed: 3,
    });
    expectOneLineError(await reflex(["rm-tenant", "-1"], { root }), 2);
    expectOneLineError(await reflex(["rm-tenant"], { root }), 2);
  });
});
