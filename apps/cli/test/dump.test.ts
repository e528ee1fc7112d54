// export and import through the real process: exact reproduction, streaming, damaged input.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { decodeDumpStream, type EntryFields, encodeDumpRecord } from "@reflex/codec";
import { NvmeStorage } from "@reflex/core";
import { bytesOf, expectOneLineError, reflex, removeTempRoots, seed, snapshot, tempRoot } from "./helpers.ts";

afterAll(removeTempRoots);

const U64_MAX = 18446744073709551615n;
const I64_MIN = -9223372036854775808n;

/** A store of several tenants with edge values: ids 0 and 2^64-1, i64 extremes, empty and mapped-size bytes. */
function varied(): { id: bigint; entry: EntryFields }[] {
  const out: { id: bigint; entry: EntryFields }[] = [];
  const tenants = [0n, 1n, 7n, U64_MAX];
  tenants.forEach((tenantId, t) => {
    for (let i = 0; i < 6; i++) {
      out.push({
        id: i === 5 ? U64_MAX : BigInt(i * 11),
        entry: {
          tenantId,
          contextHash: i === 0 ? U64_MAX : BigInt(t * 100 + i),
          timestamp: i === 1 ? I64_MIN : i === 2 ? 9223372036854775807n : BigInt(1_700_000_000 + i),
          embedding: i === 3 ? new Uint8Array(0) : bytesOf(64 * (i + 1), t * 10 + i + 1),
          payloadBlob: i === 4 ? new Uint8Array(0) : bytesOf(i === 2 ? 400_000 : 1 + i * 999, t * 10 + i + 100),
        },
      });
    }
  });
  return out;
}

function expectSameStore(actual: Map<string, EntryFields>, expected: Map<string, EntryFields>): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [key, want] of expected) {
    const got = actual.get(key);
    expect(got?.tenantId).toBe(want.tenantId);
    expect(got?.contextHash).toBe(want.contextHash);
    expect(got?.timestamp).toBe(want.timestamp);
    expect(Buffer.compare(got?.embedding ?? new Uint8Array(1), want.embedding)).toBe(0);
    expect(Buffer.compare(got?.payloadBlob ?? new Uint8Array(1), want.payloadBlob)).toBe(0);
  }
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

describe("export then import", () => {
  test("into an empty root reproduces a store of several tenants exactly", async () => {
    const source = tempRoot();
    seed(source, varied());
    const exported = await reflex(["export"], { root: source });
    expect(exported.code).toBe(0);
    expect(exported.stderr).toBe(""); // no progress bar, no summary: stderr is a pipe

    // The dump is size-delimited DumpRecords, tenants then ids ascending.
    const records: string[] = [];
    for await (const record of decodeDumpStream(once(exported.bytes))) {
      records.push(`${record.entry.tenantId}/${record.entryId}`);
    }
    expect(records).toEqual([...snapshot(source).keys()]);
    expect(records).toHaveLength(24);

    const target = join(tempRoot(), "fresh");
    const imported = await reflex(["import"], { root: target, stdin: exported.bytes });
    expect(imported).toMatchObject({ code: 0, stderr: "" });
    expect(imported.stdout).toMatch(
      /^imported 24 entries into 4 tenants \(24 new, 0 replaced\) from [\d.]+ (KiB|MiB) of dump\n$/,
    );
    expectSameStore(snapshot(target), snapshot(source));

    // Same store, same bytes: exporting the copy gives the identical dump.
    const again = await reflex(["export"], { root: target });
    expect(Buffer.compare(again.bytes, exported.bytes)).toBe(0);
    const verify = await reflex(["verify", "--json"], { root: target });
    expect(JSON.parse(verify.stdout)).toEqual({ checked: 24, ok: 24, problems: [] });
  });

  test("export --tenant holds one tenant; import --json reports what it wrote, replacing", async () => {
    const source = tempRoot();
    seed(source, varied());
    const one = await reflex(["export", "--tenant", "7"], { root: source });
    expect(one.code).toBe(0);
    const target = tempRoot();
    const first = await reflex(["import", "--json"], { root: target, stdin: one.bytes });
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report).toEqual({
      imported: 6,
      created: 6,
      replaced: 0,
      expired: 0,
      tenantCount: 1,
      bytesRead: one.bytes.byteLength,
    });
    expect(Object.keys(report)).toEqual(["imported", "created", "replaced", "expired", "tenantCount", "bytesRead"]);
    const second = JSON.parse((await reflex(["import", "--json"], { root: target, stdin: one.bytes })).stdout);
    expect(second).toMatchObject({ imported: 6, created: 0, replaced: 6 });
    expect((await reflex(["ls"], { root: target })).stdout).toBe("7\n");
    const expected = new Map([...snapshot(source)].filter(([key]) => key.startsWith("7/")));
    expectSameStore(snapshot(target), expected);
  });

  test("a later record of the same id wins, as it would in order", async () => {
    const source = tempRoot();
    seed(source, [
      {
        id: 1n,
        entry: {
          tenantId: 3n,
          contextHash: 1n,
          timestamp: 1n,
          embedding: new Uint8Array(0),
          payloadBlob: bytesOf(10, 1),
        },
      },
    ]);
    const first = (await reflex(["export"], { root: source })).bytes;
    seed(source, [
      {
        id: 1n,
        entry: {
          tenantId: 3n,
          contextHash: 2n,
          timestamp: 2n,
          embedding: new Uint8Array(0),
          payloadBlob: bytesOf(10, 2),
        },
      },
    ]);
    const second = (await reflex(["export"], { root: source })).bytes;
    const target = tempRoot();
    const dump = Buffer.concat([first, second, first, second]);
    const result = await reflex(["import", "--json"], { root: target, stdin: dump });
    expect(JSON.parse(result.stdout)).toMatchObject({ imported: 4, created: 1, replaced: 3 });
    expect(snapshot(target).get("3/1")?.contextHash).toBe(2n);
  });

  test("an empty store exports an empty dump, which imports as nothing", async () => {
    const exported = await reflex(["export"], { root: tempRoot() });
    expect(exported).toMatchObject({ code: 0, stdout: "", stderr: "" });
    const imported = await reflex(["import", "--json"], { root: tempRoot(), stdin: new Uint8Array(0) });
    expect(JSON.parse(imported.stdout)).toEqual({
      imported: 0,
      created: 0,
      replaced: 0,
      expired: 0,
      tenantCount: 0,
      bytesRead: 0,
    });
  });

  test("expiries travel: an entry keeps its expiry (to the second), one without stays without, one past it is not stored", async () => {
    const source = tempRoot();
    const writer = new NvmeStorage(source, { durability: "atomic" });
    const entry = (n: number): EntryFields => ({
      tenantId: 5n,
      contextHash: BigInt(n),
      timestamp: 1n,
      embedding: new Uint8Array(0),
      payloadBlob: bytesOf(16, n),
    });
    writer.storeSync(1n, entry(1), { ttlSeconds: 3600 }).release();
    writer.storeSync(2n, entry(2), { ttlSeconds: 0 }).release();
    const expiresAt = writer.loadSync(1n, 5n).expiresAt;
    writer.close();
    const exported = await reflex(["export"], { root: source });
    const expiries: bigint[] = [];
    for await (const record of decodeDumpStream(once(exported.bytes))) expiries.push(record.expiresAt);
    expect(expiries).toEqual([expiresAt, 0n]);
    // A third record whose expiry has passed (a dump kept for a while).
    const stale = encodeDumpRecord(3n, { ...entry(3), expiresAt: BigInt(Math.floor(Date.now() / 1000) - 5) });
    const target = tempRoot();
    const result = await reflex(["import", "--json"], { root: target, stdin: Buffer.concat([exported.bytes, stale]) });
    expect(JSON.parse(result.stdout)).toMatchObject({ imported: 2, created: 2, expired: 1, tenantCount: 1 });
    const text = await reflex(["import"], { root: tempRoot(), stdin: stale });
    expect(text.stdout).toContain("1 expired, not stored");
    const reader = new NvmeStorage(target, { readOnly: true });
    const restored = reader.loadSync(1n, 5n);
    // The import's TTL is counted from its own second: a second boundary crossed meanwhile adds one.
    expect(restored.expiresAt >= expiresAt && restored.expiresAt <= expiresAt + 1n).toBe(true);
    restored.release();
    expect(reader.loadSync(2n, 5n).expiresAt).toBe(0n);
    expect(reader.existsSync(3n, 5n)).toBe(false);
    reader.close();
  });

  test("export --tenant of a missing tenant exits 1", async () => {
    const root = tempRoot();
    mkdirSync(join(root, "1"));
    expect(expectOneLineError(await reflex(["export", "--tenant", "2"], { root }), 1)).toBe(
      "reflex: tenant 2 not found",
    );
  });
});

describe("damaged dumps", () => {
  test("a truncated dump fails with exit 2 and one clear line; the records before it stay", async () => {
    const source = tempRoot();
    seed(source, varied());
    const dump = (await reflex(["export", "--tenant", "1"], { root: source })).bytes;
    // Cut in the middle of the 400 kB payload of the third record (ids 0, 11, 22, ...).
    const cut = dump.subarray(0, Math.floor(dump.byteLength / 2));
    const target = tempRoot();
    const result = await reflex(["import"], { root: target, stdin: cut });
    const line = expectOneLineError(result, 2);
    expect(line).toStartWith("reflex: import: damaged or truncated dump: dump record 2:");
    expect(line).toEndWith("(2 entries were imported before it)");
    expect((await reflex(["ls", "1"], { root: target })).stdout).toBe("0\n11\n");
  });

  test("bytes that are not a dump fail with exit 2", async () => {
    const garbage = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    const result = await reflex(["import"], { root: tempRoot(), stdin: garbage });
    expect(expectOneLineError(result, 2)).toStartWith("reflex: import: damaged or truncated dump: dump record 0:");
  });
});
