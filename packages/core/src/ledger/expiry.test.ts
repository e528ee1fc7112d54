import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, tempDir } from "@reflex/testkit";
import { isStoreError } from "../contract/store-error.ts";
import { DirectorySyncer } from "../disk/directory-sync.ts";
import { nodeFileOps } from "../disk/file-ops.ts";
import { TTL_MARKER } from "../disk/layout.ts";
import { TenantDirs } from "../disk/tenant-dirs.ts";
import { Expiry } from "./expiry.ts";
import { Ledger } from "./ledger.ts";

afterEach(removeTempDirs);

function expiryAt(root: string, nowMs: () => number, defaultTtl = 0): Expiry {
  return new Expiry(
    new TenantDirs(root, nodeFileOps, new DirectorySyncer(nodeFileOps), new Ledger()),
    nowMs,
    defaultTtl,
  );
}

describe("Expiry", () => {
  test("an expiry is now rounded up plus the TTL; 0 means never; the store's default applies", () => {
    const root = join(tempDir(), "root");
    const expiry = expiryAt(root, () => 1_700_000_000_100, 60);
    expect(expiry.expiresAtFor(10)).toBe(1_700_000_011n);
    expect(expiry.expiresAtFor(undefined)).toBe(1_700_000_061n);
    expect(expiry.expiresAtFor(0)).toBe(0n);
    expect(expiry.nowSeconds()).toBe(1_700_000_000n);
  });

  test("isExpired: from the second of expiry on; 0 never expires", () => {
    let now = 1_000_000;
    const expiry = expiryAt(join(tempDir(), "root"), () => now);
    expect([expiry.isExpired(1001n), expiry.isExpired(1000n), expiry.isExpired(0n)]).toEqual([false, true, false]);
    now = 1_001_000;
    expect(expiry.isExpired(1001n)).toBe(true);
  });

  test("a bad TTL is invalid_argument", () => {
    const expiry = expiryAt(join(tempDir(), "root"), Date.now);
    for (const ttl of [-1, 1.5, Number.NaN]) {
      let caught: unknown;
      try {
        expiry.expiresAtFor(ttl);
      } catch (error) {
        caught = error;
      }
      expect(isStoreError(caught, "invalid_argument")).toBe(true);
    }
  });

  test("the first expiring write marks the root; every store on it then checks headers", () => {
    const root = join(tempDir(), "root");
    const writer = expiryAt(root, Date.now);
    const reader = expiryAt(root, Date.now);
    expect([writer.checksNeeded(), reader.checksNeeded()]).toEqual([false, false]);
    writer.expiresAtFor(0);
    expect(existsSync(join(root, TTL_MARKER))).toBe(false);
    writer.expiresAtFor(5);
    expect(existsSync(join(root, TTL_MARKER))).toBe(true);
    expect(writer.checksNeeded()).toBe(true);
    expect(expiryAt(root, Date.now).checksNeeded()).toBe(true);
    // The reader looked less than a second ago: it sees the marker on its next look.
    expect(reader.checksNeeded()).toBe(false);
  });
});
