// HEAD and GET of an entry agree on every outcome: HEAD loads and verifies as GET does.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { call, entryJson, removeTestDirs, testApp } from "../../test/helpers.ts";

afterEach(removeTestDirs);

describe("HEAD agrees with GET", () => {
  test("intact 200, missing 404, corrupt 500, a directory named like an entry 404", async () => {
    const { app, store } = testApp();
    for (const id of [1, 2]) await call(app, "PUT", `/v1/tenants/1/entries/${id}`, { json: entryJson("1") });
    const file = join(store.storagePath, "1", "2.rfx");
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff; // one payload byte flipped
    writeFileSync(file, bytes);
    mkdirSync(join(store.storagePath, "1", "3.rfx"));
    const cases: [number, number][] = [
      [1, 200],
      [2, 500],
      [3, 404],
      [4, 404],
    ];
    for (const [id, status] of cases) {
      const path = `/v1/tenants/1/entries/${id}`;
      const [head, get, payload] = await Promise.all([
        call(app, "HEAD", path),
        call(app, "GET", path),
        call(app, "GET", `${path}/payload`),
      ]);
      expect({ id, head: head.status, get: get.status, payload: payload.status }).toEqual({
        id,
        head: status,
        get: status,
        payload: status,
      });
    }
  });
});
