import { afterEach, expect, test } from "bun:test";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@reflex/testkit";
import { cleanupTestState } from "../../test/helpers.ts";
import { tryLockExclusive, unlock } from "./libc-flock.ts";

afterEach(cleanupTestState);

test("flock through bun:ffi: a second open file description is refused as busy until the first unlocks or closes", () => {
  const path = join(tempDir(), "lock");
  const first = openSync(path, "w");
  const second = openSync(path, "r");
  try {
    expect(tryLockExclusive(first)).toEqual({ ok: true });
    expect(tryLockExclusive(second)).toMatchObject({ ok: false, busy: true });
    unlock(first);
    expect(tryLockExclusive(second)).toEqual({ ok: true });
    closeSync(second); // closing the last fd of a description drops its lock
    expect(tryLockExclusive(first)).toEqual({ ok: true });
  } finally {
    closeSync(first);
  }
});

test("a bad fd is an error, not busy", () => {
  expect(tryLockExclusive(987_654)).toMatchObject({ ok: false, busy: false });
});
