// What a new user found (issue 25), on the real process: `exists` agrees with HEAD on a corrupt
// entry, `put` honours the server's REFLEX_DEFAULT_TTL and byte bounds, and a negative bound is
// told as the value's own error.
import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expectOneLineError, reflex, removeTempRoots, seed, tempRoot } from "./helpers.ts";

afterEach(removeTempRoots);

const entry = {
  tenantId: 1n,
  contextHash: 0n,
  timestamp: 1n,
  embedding: new Uint8Array(0),
  payloadBlob: new Uint8Array(1),
};

describe("reflex exists", () => {
  test("exit 0 for an intact entry, 1 for none, 3 for a corrupt one (as HEAD answers 500)", async () => {
    const root = tempRoot();
    seed(root, [{ id: 1n, entry }]);
    writeFileSync(join(root, "1", "2.rfx"), "not an entry");
    expect((await reflex(["exists", "1", "1"], { root })).code).toBe(0);
    expect((await reflex(["exists", "1", "3"], { root })).code).toBe(1);
    const corrupt = expectOneLineError(await reflex(["exists", "1", "2"], { root }), 3);
    expect(corrupt).toContain("corrupt");
  });
});

describe("reflex put and the server's variables", () => {
  test("REFLEX_DEFAULT_TTL gives the entry an expiry; --ttl still wins", async () => {
    const root = tempRoot();
    const env = { REFLEX_DEFAULT_TTL: "3600" };
    expect((await reflex(["put", "1", "1", "--payload", "-"], { root, env, stdin: "x" })).code).toBe(0);
    const before = Math.floor(Date.now() / 1000);
    const got = JSON.parse((await reflex(["get", "1", "1", "--json"], { root })).stdout) as { expiresAt: string };
    expect(Number(got.expiresAt)).toBeGreaterThan(before + 3000);
    expect((await reflex(["put", "1", "2", "--ttl", "0", "--payload", "-"], { root, env, stdin: "x" })).code).toBe(0);
    const never = JSON.parse((await reflex(["get", "1", "2", "--json"], { root })).stdout) as { expiresAt: string };
    expect(never.expiresAt).toBe("0");
  });

  test("an entry over REFLEX_MAX_BYTES or REFLEX_MAX_ENTRY_BYTES is refused (exit 2), nothing stored", async () => {
    const root = tempRoot();
    const payload = "x".repeat(2000);
    for (const env of [{ REFLEX_MAX_BYTES: "1K" }, { REFLEX_MAX_ENTRY_BYTES: "1K" }]) {
      expectOneLineError(await reflex(["put", "1", "1", "--payload", "-"], { root, env, stdin: payload }), 2);
      expect((await reflex(["exists", "1", "1"], { root })).code).toBe(1);
    }
    expectOneLineError(await reflex(["put", "1", "1"], { root, env: { REFLEX_DEFAULT_TTL: "-1" } }), 2);
  });
});

describe("a negative number as an option's value", () => {
  test("gc --max-bytes -5 and serve --default-ttl -1 say what the value must be", async () => {
    const root = tempRoot();
    const gc = expectOneLineError(await reflex(["gc", "--max-bytes", "-5"], { root }), 2);
    expect(gc).toContain('--max-bytes must be a size like 1048576, 512K or 16MiB, got "-5"');
    const serve = expectOneLineError(await reflex(["serve", "--default-ttl", "-1"], { root }), 2);
    expect(serve).toContain("--default-ttl must be a whole number of seconds");
  });
});
