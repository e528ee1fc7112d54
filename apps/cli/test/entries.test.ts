// put, get, rm, exists through the real process: binary-safe stdin/stdout, --json, exit codes.
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bytesOf, expectOneLineError, reflex, removeTempRoots, snapshot, tempRoot } from "./helpers.ts";

afterAll(removeTempRoots);

/** 1 MiB of random bytes that starts with every byte value 0..255. */
function binaryPayload(): Uint8Array {
  const bytes = new Uint8Array(1024 * 1024);
  crypto.getRandomValues(bytes);
  for (let i = 0; i < 256; i++) bytes[i] = i;
  return bytes;
}

describe("binary round trip", () => {
  test("put --payload - then get --payload reproduces 1 MiB byte for byte", async () => {
    const root = tempRoot();
    const payload = binaryPayload();
    const put = await reflex(["put", "1", "42", "--payload", "-"], { root, stdin: payload });
    expect(put).toMatchObject({ code: 0, stderr: "" });
    expect(put.stdout).toStartWith("created tenant 1 entry 42: payload 1.0 MiB");
    const get = await reflex(["get", "1", "42", "--payload"], { root });
    expect(get.code).toBe(0);
    expect(get.stderr).toBe("");
    expect(get.bytes.byteLength).toBe(payload.byteLength);
    expect(Buffer.compare(get.bytes, payload)).toBe(0);
  });

  test("--embedding - and --payload FILE; an empty payload gets nothing on stdout", async () => {
    const root = tempRoot();
    const embedding = bytesOf(3072, 7);
    const payloadFile = join(tempRoot(), "payload.bin");
    const payload = bytesOf(70_000, 9);
    writeFileSync(payloadFile, payload);
    const put = await reflex(["put", "3", "4", "--embedding", "-", "--payload", payloadFile, "--json"], {
      root,
      stdin: embedding,
    });
    expect(put.code).toBe(0);
    const stored = snapshot(root).get("3/4");
    expect(Buffer.compare(stored?.embedding ?? new Uint8Array(), embedding)).toBe(0);
    expect(Buffer.compare(stored?.payloadBlob ?? new Uint8Array(), payload)).toBe(0);
    expect((await reflex(["put", "3", "5"], { root })).code).toBe(0);
    const empty = await reflex(["get", "3", "5", "--payload"], { root });
    expect(empty).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });
});

describe("put and get", () => {
  test("put --json reports created, then replaced; get --json has every field", async () => {
    const root = tempRoot();
    const args = ["put", "7", "9", "--payload", "-", "--context-hash", "18446744073709551615", "--timestamp", "-42"];
    const first = await reflex([...args, "--json"], { root, stdin: "hello" });
    expect(first.code).toBe(0);
    const firstJson = JSON.parse(first.stdout);
    expect(firstJson).toEqual({ tenantId: "7", entryId: "9", created: true, fileBytes: expect.any(Number) });
    const second = JSON.parse((await reflex([...args, "--json"], { root, stdin: "hello" })).stdout);
    expect(second.created).toBe(false);
    const get = await reflex(["get", "7", "9", "--json"], { root });
    expect(get.code).toBe(0);
    expect(get.stdout.endsWith("\n")).toBe(true);
    const json = JSON.parse(get.stdout);
    expect(json).toEqual({
      entryId: "9",
      tenantId: "7",
      contextHash: "18446744073709551615",
      timestamp: "-42",
      embedding: "",
      payloadBlob: Buffer.from("hello").toString("base64"),
      expiresAt: "0",
    });
    expect(Object.keys(json)).toEqual([
      "entryId",
      "tenantId",
      "contextHash",
      "timestamp",
      "embedding",
      "payloadBlob",
      "expiresAt",
    ]);
  });

  test("put defaults: timestamp now, context hash 0, empty payload and embedding", async () => {
    const root = tempRoot();
    const before = Math.floor(Date.now() / 1000);
    expect((await reflex(["put", "1", "1"], { root })).code).toBe(0);
    const json = JSON.parse((await reflex(["get", "1", "1", "--json"], { root })).stdout);
    expect(json.contextHash).toBe("0");
    expect(Number(json.timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(json.timestamp)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(json.embedding).toBe("");
    expect(json.payloadBlob).toBe("");
  });

  test("get shows the expiry of an entry put with --ttl, in --json and the summary", async () => {
    const root = tempRoot();
    const before = Math.ceil(Date.now() / 1000);
    expect((await reflex(["put", "1", "2", "--ttl", "3600"], { root })).code).toBe(0);
    const expiresAt = Number(JSON.parse((await reflex(["get", "1", "2", "--json"], { root })).stdout).expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3600);
    expect(expiresAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);
    const summary = (await reflex(["get", "1", "2"], { root })).stdout;
    expect(summary).toContain(
      `expires       ${expiresAt} (${new Date(expiresAt * 1000).toISOString().replace(".000Z", "Z")})`,
    );
  });

  test("get prints an aligned human summary", async () => {
    const root = tempRoot();
    await reflex(["put", "5", "6", "--payload", "-", "--timestamp", "1700000000", "--context-hash", "77"], {
      root,
      stdin: "the answer is 42",
    });
    const get = await reflex(["get", "5", "6"], { root });
    expect(get.code).toBe(0);
    expect(get.stdout).toBe(
      [
        "tenant        5",
        "entry         6",
        "context hash  77",
        "timestamp     1700000000 (2023-11-14T22:13:20Z)",
        "expires       never",
        "embedding     0 B",
        "payload       16 B",
        'preview       "the answer is 42"',
        `file          ${get.stdout.match(/file {10}(.*)\n/)?.[1]}`,
        "",
      ].join("\n"),
    );
  });

  test("get of a missing entry, or of a missing root, exits 1", async () => {
    const root = tempRoot();
    const missing = await reflex(["get", "1", "2"], { root });
    expect(expectOneLineError(missing, 1)).toBe("reflex: entry 2 of tenant 1 not found");
    const noRoot = await reflex(["get", "1", "2", "--payload"], { root: join(root, "nowhere") });
    expect(expectOneLineError(noRoot, 1)).toBe("reflex: entry 2 of tenant 1 not found");
  });
});

describe("rm and exists", () => {
  test("exists exits 0 / 1, rm deletes, rm of a missing entry exits 1", async () => {
    const root = tempRoot();
    await reflex(["put", "1", "2"], { root });
    const yes = await reflex(["exists", "1", "2"], { root });
    expect(yes).toMatchObject({ code: 0, stdout: "tenant 1 entry 2 exists\n", stderr: "" });
    const yesJson = await reflex(["exists", "1", "2", "--json"], { root });
    expect(yesJson.code).toBe(0);
    expect(JSON.parse(yesJson.stdout)).toEqual({ tenantId: "1", entryId: "2", exists: true });

    const rm = await reflex(["rm", "1", "2"], { root });
    expect(rm).toMatchObject({ code: 0, stdout: "removed tenant 1 entry 2\n", stderr: "" });

    const no = await reflex(["exists", "1", "2"], { root });
    expect(no).toMatchObject({ code: 1, stdout: "tenant 1 entry 2 does not exist\n", stderr: "" });
    const noJson = await reflex(["exists", "1", "2", "--json"], { root });
    expect(noJson.code).toBe(1);
    expect(JSON.parse(noJson.stdout)).toEqual({ tenantId: "1", entryId: "2", exists: false });

    const again = await reflex(["rm", "1", "2"], { root });
    expect(expectOneLineError(again, 1)).toBe("reflex: entry 2 of tenant 1 not found");
  });
});
