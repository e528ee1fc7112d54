// ls, stats, cleanup and verify through the real process, and a root that cannot be used.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NvmeStorage } from "@reflex/core";
import { bytesOf, expectOneLineError, reflex, reflexAll, removeTempRoots, seed, tempRoot } from "./helpers.ts";

afterAll(removeTempRoots);

function entry(tenantId: bigint, size: number) {
  return {
    tenantId,
    contextHash: 1n,
    timestamp: 1_700_000_000n,
    embedding: new Uint8Array(0),
    payloadBlob: bytesOf(size, size),
  };
}

describe("ls", () => {
  test("lists tenants and entry ids ascending (numerically), one per line; junk is ignored", async () => {
    const root = tempRoot();
    seed(root, [
      { id: 10n, entry: entry(2n, 1) },
      { id: 9n, entry: entry(2n, 1) },
      { id: 100n, entry: entry(2n, 1) },
      { id: 1n, entry: entry(10n, 1) },
    ]);
    writeFileSync(join(root, "2", "notes.txt"), "junk");
    mkdirSync(join(root, "lost+found"));
    const [tenants, ids] = await reflexAll([
      { args: ["ls"], options: { root } },
      { args: ["ls", "2"], options: { root } },
    ]);
    expect(tenants).toMatchObject({ code: 0, stdout: "2\n10\n", stderr: "" });
    expect(ids).toMatchObject({ code: 0, stdout: "9\n10\n100\n", stderr: "" });
  });

  test("pages with --limit and --after; --json gives the next cursor", async () => {
    const root = tempRoot();
    seed(
      root,
      Array.from({ length: 25 }, (_, i) => ({ id: BigInt(i + 1), entry: entry(4n, 8) })),
    );
    seed(
      root,
      [5n, 6n, 7n].map((tenantId) => ({ id: 1n, entry: entry(tenantId, 8) })),
    );
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const args = ["ls", "4", "--limit", "10", "--json", ...(after === null ? [] : ["--after", after])];
      const result = await reflex(args, { root });
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout);
      expect(Object.keys(json)).toEqual(["tenantId", "entryIds", "next"]);
      expect(json.tenantId).toBe("4");
      seen.push(...json.entryIds);
      after = json.next;
      if (after === null) break;
      expect(after).toBe(json.entryIds[json.entryIds.length - 1]);
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => String(i + 1)));

    const [human, exact, tenantsPage, tenantsAll] = await reflexAll([
      { args: ["ls", "4", "--limit", "3", "--after", "20"], options: { root } },
      { args: ["ls", "4", "--limit", "5", "--after", "20", "--json"], options: { root } },
      { args: ["ls", "--limit", "2", "--json"], options: { root } },
      { args: ["ls", "--after", "4", "--json"], options: { root } },
    ]);
    expect(human).toMatchObject({ code: 0, stdout: "21\n22\n23\n", stderr: "" });
    expect(JSON.parse(exact?.stdout ?? "")).toEqual({
      tenantId: "4",
      entryIds: ["21", "22", "23", "24", "25"],
      next: null,
    });
    expect(JSON.parse(tenantsPage?.stdout ?? "")).toEqual({ tenants: ["4", "5"], next: "5" });
    expect(JSON.parse(tenantsAll?.stdout ?? "")).toEqual({ tenants: ["5", "6", "7"], next: null });
  });

  test("ls of a missing tenant exits 1; of an empty root prints nothing", async () => {
    const root = tempRoot();
    expect(expectOneLineError(await reflex(["ls", "3"], { root }), 1)).toBe("reflex: tenant 3 not found");
    expect(await reflex(["ls"], { root })).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(JSON.parse((await reflex(["ls", "--json"], { root })).stdout)).toEqual({ tenants: [], next: null });
  });
});

describe("stats", () => {
  test("numbers match the core's statsSync, in total and per tenant", async () => {
    const root = tempRoot();
    const entries = [
      ...Array.from({ length: 30 }, (_, i) => ({ id: BigInt(i), entry: entry(1n, 100 + i * 37) })),
      ...Array.from({ length: 5 }, (_, i) => ({ id: BigInt(i * 1000), entry: entry(18446744073709551615n, 5000) })),
      { id: 7n, entry: entry(0n, 300_000) },
    ];
    seed(root, entries);
    mkdirSync(join(root, "99")); // an empty tenant counts as a tenant
    writeFileSync(join(root, "1", "junk.rfx.bak"), "not an entry");
    const result = await reflex(["stats", "--json"], { root });
    expect(result).toMatchObject({ code: 0, stderr: "" });
    const json = JSON.parse(result.stdout);
    const core = new NvmeStorage(root, { readOnly: true }).statsSync();
    expect(json.tenantCount).toBe(core.tenantCount);
    expect(json.entryCount).toBe(core.entryCount);
    expect(json.totalBytes).toBe(core.totalBytes);
    expect(json.entryCount).toBe(36);
    expect(json.tenantCount).toBe(4);
    expect(json.tenants.map((t: { tenantId: string }) => t.tenantId)).toEqual(["0", "1", "99", "18446744073709551615"]);
    expect(json.tenants.map((t: { entryCount: number }) => t.entryCount)).toEqual([1, 30, 0, 5]);
    const perTenantBytes = json.tenants.reduce((sum: number, t: { totalBytes: number }) => sum + t.totalBytes, 0);
    expect(perTenantBytes).toBe(core.totalBytes);
    expect(Object.keys(json)).toEqual(["tenantCount", "entryCount", "totalBytes", "tenants"]);

    const human = await reflex(["stats", "--by-tenant"], { root });
    const lines = human.stdout.split("\n");
    expect(lines.slice(0, 3)).toEqual([
      "tenants  4",
      "entries  36",
      expect.stringMatching(/^size {5}\d+\.\d (KiB|MiB) \([\d,]+ B\)$/),
    ]);
    expect(lines[4]).toMatch(/^tenant +entries +size$/);
    expect(lines[6]).toMatch(/^1 +30 +\d+\.\d KiB$/);
    // Right-aligned columns: every row of the table is as wide as its header.
    const table = lines.slice(4).filter((line) => line !== "");
    expect(new Set(table.map((line) => line.length)).size).toBe(1);
  });

  test("an empty or missing root has zero of everything", async () => {
    const root = tempRoot();
    const json = JSON.parse((await reflex(["stats", "--json"], { root: join(root, "missing") })).stdout);
    expect(json).toEqual({ tenantCount: 0, entryCount: 0, totalBytes: 0, tenants: [] });
  });
});

describe("cleanup", () => {
  test("removes empty tenant directories and stale temp files, and says how many", async () => {
    const root = tempRoot();
    seed(root, [{ id: 1n, entry: entry(1n, 10) }]);
    mkdirSync(join(root, "2"));
    mkdirSync(join(root, "3"));
    // A temp file of a writer that no longer exists (pid far above pid_max).
    writeFileSync(join(root, "1", "5.999999999.0000abcd-1.tmp"), "torn");
    const result = await reflex(["cleanup", "--json"], { root });
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(result.stdout)).toEqual({ removedTenantDirs: 2, removedTempFiles: 1 });
    expect((await reflex(["ls"], { root })).stdout).toBe("1\n");
    const again = await reflex(["cleanup"], { root });
    expect(again).toMatchObject({
      code: 0,
      stdout: "removed 0 empty tenant directories and 0 stale temp files\n",
      stderr: "",
    });
  });
});

describe("verify", () => {
  test("a clean store verifies with exit 0", async () => {
    const root = tempRoot();
    seed(
      root,
      [1n, 2n, 3n].map((id) => ({ id, entry: entry(id, 1000) })),
    );
    const [human, json] = await reflexAll([
      { args: ["verify"], options: { root } },
      { args: ["verify", "--json"], options: { root } },
    ]);
    expect(human).toMatchObject({ code: 0, stdout: "checked 3 entries: all ok\n", stderr: "" });
    expect(JSON.parse(json?.stdout ?? "")).toEqual({ checked: 3, ok: 3, problems: [] });
  });

  test("a flipped byte is found: exit 1, named in the text, listed in --json; --tenant narrows", async () => {
    const root = tempRoot();
    seed(root, [
      ...[1n, 2n, 3n].map((id) => ({ id, entry: entry(5n, 2000) })),
      ...[1n, 2n].map((id) => ({ id, entry: entry(6n, 2000) })),
    ]);
    const path = join(root, "5", "2.rfx");
    const bytes = readFileSync(path);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0x01;
    writeFileSync(path, bytes);

    const [human, json, other, get] = await reflexAll([
      { args: ["verify"], options: { root } },
      { args: ["verify", "--json"], options: { root } },
      { args: ["verify", "--tenant", "6", "--json"], options: { root } },
      { args: ["get", "5", "2"], options: { root } },
    ]);
    expect(human?.code).toBe(1);
    expect(human?.stderr).toBe("");
    const lines = human?.stdout.split("\n") ?? [];
    expect(lines[0]).toBe("checked 5 entries: 4 ok, 1 corrupt");
    expect(lines[2]).toMatch(/^path +reason +message$/);
    expect(lines[3]).toMatch(/^5\/2\.rfx +checksum_mismatch +.*5\/2\.rfx is corrupt/);

    expect(json?.code).toBe(1);
    const report = JSON.parse(json?.stdout ?? "");
    expect(report.checked).toBe(5);
    expect(report.ok).toBe(4);
    expect(report.problems).toEqual([
      { tenantId: "5", entryId: "2", path: "5/2.rfx", reason: "checksum_mismatch", message: expect.any(String) },
    ]);

    expect(other?.code).toBe(0);
    expect(JSON.parse(other?.stdout ?? "")).toEqual({ checked: 2, ok: 2, problems: [] });
    // Loading a corrupt entry is a storage error.
    expect(expectOneLineError(get as never, 3)).toContain("5/2.rfx is corrupt");
  });

  test("an entry of another tenant moved into place is refused", async () => {
    const root = tempRoot();
    seed(root, [{ id: 1n, entry: entry(8n, 10) }]);
    mkdirSync(join(root, "9"));
    writeFileSync(join(root, "9", "1.rfx"), readFileSync(join(root, "8", "1.rfx")));
    const result = await reflex(["verify", "--json"], { root });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).problems).toEqual([
      { tenantId: "9", entryId: "1", path: "9/1.rfx", reason: "tenant_mismatch", message: expect.any(String) },
    ]);
  });

  test("verify --tenant of a missing tenant exits 1", async () => {
    const root = tempRoot();
    expect(expectOneLineError(await reflex(["verify", "--tenant", "4"], { root }), 1)).toBe(
      "reflex: tenant 4 not found",
    );
  });
});

describe("a root that is not a directory", () => {
  test("every command exits 3 with one line", async () => {
    const root = join(tempRoot(), "file");
    writeFileSync(root, "not a directory");
    const commands = [
      ["ls"],
      ["ls", "1"],
      ["stats"],
      ["get", "1", "2"],
      ["exists", "1", "2"],
      ["rm", "1", "2"],
      ["put", "1", "2"],
      ["verify"],
      ["cleanup"],
      ["export"],
      ["import"],
    ];
    const results = await reflexAll(commands.map((args) => ({ args, options: { root, stdin: new Uint8Array(0) } })));
    results.forEach((result) => {
      expect(expectOneLineError(result, 3)).toBe(`reflex: storage root ${root} is not a directory`);
    });
    // --root wins over REFLEX_ROOT.
    const good = tempRoot();
    expect((await reflex(["--root", good, "stats", "--json"], { root })).code).toBe(0);
  });
});
