import { afterEach, describe, expect, test } from "bun:test";
import { expectOneLineError, reflex, removeTempRoots, tempRoot } from "./helpers.ts";

afterEach(removeTempRoots);

describe("reflex touch", () => {
  test("gives an entry a new ttl that get then shows, without changing its payload", async () => {
    const root = tempRoot();
    expect((await reflex(["put", "1", "2", "--payload", "-", "--ttl", "60"], { root, stdin: "kept" })).code).toBe(0);
    const before = Math.ceil(Date.now() / 1000);
    const touched = await reflex(["touch", "1", "2", "--ttl", "7200", "--json"], { root });
    expect(touched.code).toBe(0);
    const { expiresAt } = JSON.parse(touched.stdout) as { expiresAt: string };
    expect(Number(expiresAt)).toBeGreaterThanOrEqual(before + 7200);
    const got = JSON.parse((await reflex(["get", "1", "2", "--json"], { root })).stdout);
    expect(got.expiresAt).toBe(expiresAt);
    expect((await reflex(["get", "1", "2", "--payload"], { root })).stdout).toBe("kept");
    const never = await reflex(["touch", "1", "2", "--ttl", "0"], { root });
    expect(never.stdout).toBe("tenant 1 entry 2 never expires\n");
  });

  test("not found exits 1; a missing or bad --ttl exits 2", async () => {
    const root = tempRoot();
    expectOneLineError(await reflex(["touch", "1", "2", "--ttl", "5"], { root }), 1);
    expectOneLineError(await reflex(["touch", "1", "2"], { root }), 2);
    expectOneLineError(await reflex(["touch", "1", "2", "--ttl", "-3"], { root }), 2);
  });
});
