import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { U64_MAX } from "@reflex/codec";
import { call, entryJson, errorOf, removeTestDirs, testApp } from "../../test/helpers.ts";

afterEach(removeTestDirs);

describe("GET /v1/tenants/{tenant}/entries", () => {
  test("ids ascending as decimal strings (numeric order, not text order), junk ignored", async () => {
    const { app, store } = testApp();
    for (const id of ["10", "9", "100", "0", U64_MAX.toString()]) {
      expect((await call(app, "PUT", `/v1/tenants/1/entries/${id}`, { json: entryJson("1") })).status).toBe(201);
    }
    writeFileSync(join(store.storagePath, "1", "junk.txt"), "x");
    mkdirSync(join(store.storagePath, "1", "sub"));
    const res = await call(app, "GET", "/v1/tenants/1/entries");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ids: ["0", "9", "10", "100", U64_MAX.toString()], next: null });
  });

  test("pages with limit and after until next is null", async () => {
    const { app } = testApp();
    for (let id = 1; id <= 7; id++) await call(app, "PUT", `/v1/tenants/1/entries/${id}`, { json: entryJson("1") });
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const query: string = after === null ? "?limit=3" : `?limit=3&after=${after}`;
      const res = await call(app, "GET", `/v1/tenants/1/entries${query}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { ids: string[]; next: string | null };
      seen.push(...page.ids);
      after = page.next;
      pages++;
    } while (after !== null);
    expect(seen).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    expect(pages).toBe(3);
    // A page that ends exactly at the last id says so (no empty extra page).
    const exact = await call(app, "GET", "/v1/tenants/1/entries?limit=7");
    expect(await exact.json()).toEqual({ ids: ["1", "2", "3", "4", "5", "6", "7"], next: null });
  });

  test("an unknown tenant lists nothing", async () => {
    const { app } = testApp();
    const res = await call(app, "GET", "/v1/tenants/77/entries");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ids: [], next: null });
  });

  test("400 for a bad tenant, limit or after", async () => {
    const { app } = testApp();
    for (const [path, code] of [
      ["/v1/tenants/-1/entries", "invalid_id"],
      ["/v1/tenants/1/entries?limit=0", "invalid_query"],
      ["/v1/tenants/1/entries?limit=10001", "invalid_query"],
      ["/v1/tenants/1/entries?limit=abc", "invalid_query"],
      ["/v1/tenants/1/entries?limit=1.5", "invalid_query"],
      ["/v1/tenants/1/entries?after=-1", "invalid_query"],
      ["/v1/tenants/1/entries?after=18446744073709551616", "invalid_query"],
      ["/v1/tenants/1/entries?after=", "invalid_query"],
    ] as const) {
      const res = await call(app, "GET", path);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe(code);
    }
  });
});

describe("GET /v1/tenants", () => {
  test("tenant ids ascending", async () => {
    const { app } = testApp();
    for (const tenant of ["20", "3", "100"]) {
      await call(app, "PUT", `/v1/tenants/${tenant}/entries/1`, { json: entryJson(tenant) });
    }
    const res = await call(app, "GET", "/v1/tenants");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ tenants: ["3", "20", "100"] });
  });

  test("an empty store lists none (the root need not exist yet)", async () => {
    const { app } = testApp();
    expect(await (await call(app, "GET", "/v1/tenants")).json()).toEqual({ tenants: [] });
  });
});

describe("GET /v1/tenants/{tenant}/entries?contextHash=N&limit=", () => {
  test("a cut list says so: next is the page's last id, after pages on until next is null", async () => {
    const { app } = testApp();
    for (let id = 1; id <= 5; id++) {
      const json = { ...entryJson("1"), contextHash: "7", timestamp: String(100 + id) };
      expect((await call(app, "PUT", `/v1/tenants/1/entries/${id}`, { json })).status).toBe(201);
    }
    const pages: { ids: string[]; next: string | null }[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res = await call(
        app,
        "GET",
        `/v1/tenants/1/entries?contextHash=7&limit=2${after ? `&after=${after}` : ""}`,
      );
      expect(res.status).toBe(200);
      const page = (await res.json()) as { ids: string[]; next: string | null };
      pages.push(page);
      after = page.next;
      if (after === null) break;
    }
    expect(pages).toEqual([
      { ids: ["5", "4"], next: "4" },
      { ids: ["3", "2"], next: "2" },
      { ids: ["1"], next: null },
    ]);
    const whole = await call(app, "GET", "/v1/tenants/1/entries?contextHash=7&limit=5");
    expect(await whole.json()).toEqual({ ids: ["5", "4", "3", "2", "1"], next: null });
    // An after that is not in the list (deleted, rewritten, never there) is refused, never a silent restart.
    const gone = await call(app, "GET", "/v1/tenants/1/entries?contextHash=7&after=9");
    expect(gone.status).toBe(400);
    expect(await errorOf(gone)).toMatchObject({ code: "invalid_query", message: expect.stringContaining("after 9") });
  });
});
