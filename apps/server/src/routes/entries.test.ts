import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeEntryBody, encodeEntryBody, U64_MAX } from "@reflex/codec";
import { call, entryJson, errorOf, removeTestDirs, testApp } from "../../test/helpers.ts";

afterEach(removeTestDirs);

const PATH = "/v1/tenants/1/entries/42";

function protobufEntry(tenantId: bigint, payload = "hi"): Uint8Array<ArrayBuffer> {
  return encodeEntryBody({
    tenantId,
    contextHash: 9n,
    timestamp: -5n,
    embedding: new Uint8Array([0, 60]),
    payloadBlob: new TextEncoder().encode(payload),
  }) as Uint8Array<ArrayBuffer>;
}

describe("PUT /v1/tenants/{tenant}/entries/{id}", () => {
  test("JSON: 201 on create with Location, 200 on replace", async () => {
    const { app, store } = testApp();
    const first = await call(app, "PUT", PATH, { json: entryJson("1") });
    expect(first.status).toBe(201);
    expect(first.headers.get("location")).toBe(PATH);
    expect(await first.json()).toEqual({ tenant: "1", id: "42", created: true });
    const second = await call(app, "PUT", PATH, { json: entryJson("1", "again") });
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ tenant: "1", id: "42", created: false });
    const handle = await store.load(42n, 1n);
    expect(new TextDecoder().decode(handle.payloadBlob)).toBe("again");
    expect(handle.contextHash).toBe(7n);
    expect(handle.timestamp).toBe(1700000000n);
    expect([...handle.embedding]).toEqual([1, 2, 3, 4]);
    handle.release();
  });

  test("JSON: snake_case names, a missing tenantId means the path's tenant, nulls are defaults", async () => {
    const { app, store } = testApp();
    const before = BigInt(Math.floor(Date.now() / 1000));
    const res = await call(app, "PUT", "/v1/tenants/5/entries/1", {
      json: { context_hash: "3", payload_blob: "eHk=", timestamp: null },
    });
    expect(res.status).toBe(201);
    const handle = await store.load(1n, 5n);
    expect(handle.tenantId).toBe(5n);
    expect(handle.contextHash).toBe(3n);
    expect(handle.timestamp).toBeGreaterThanOrEqual(before); // no timestamp: the time of the write, as reflex put
    expect(handle.timestamp).toBeLessThanOrEqual(BigInt(Math.floor(Date.now() / 1000)));
    expect(new TextDecoder().decode(handle.payloadBlob)).toBe("xy");
    handle.release();
  });

  test("JSON with a charset parameter and a +json type is JSON", async () => {
    const { app } = testApp();
    for (const type of ["application/json; charset=utf-8", "application/vnd.reflex+json"]) {
      const res = await call(app, "PUT", PATH, { json: entryJson("1"), headers: { "Content-Type": type } });
      expect(res.status).toBeLessThan(300);
    }
  });

  test("protobuf (both spellings): stored as sent", async () => {
    const { app, store } = testApp();
    const res = await call(app, "PUT", PATH, {
      body: protobufEntry(1n, "proto"),
      headers: { "Content-Type": "application/x-protobuf" },
    });
    expect(res.status).toBe(201);
    const alias = await call(app, "PUT", "/v1/tenants/1/entries/43", {
      body: protobufEntry(1n, "alias"),
      headers: { "Content-Type": "application/protobuf" },
    });
    expect(alias.status).toBe(201);
    const handle = await store.load(42n, 1n);
    expect(handle.timestamp).toBe(-5n);
    expect(new TextDecoder().decode(handle.payloadBlob)).toBe("proto");
    handle.release();
  });

  test("ids 0 and 2^64-1 are valid, for tenant and entry", async () => {
    const { app, store } = testApp();
    const max = U64_MAX.toString();
    expect((await call(app, "PUT", `/v1/tenants/${max}/entries/0`, { json: entryJson(max) })).status).toBe(201);
    expect((await call(app, "PUT", `/v1/tenants/0/entries/${max}`, { json: entryJson("0") })).status).toBe(201);
    expect(await store.exists(0n, U64_MAX)).toBe(true);
    expect(await store.exists(U64_MAX, 0n)).toBe(true);
  });

  test("400 for a malformed id, with the grammar in the message", async () => {
    const { app } = testApp();
    for (const id of [
      "-1",
      "+1",
      "01",
      "1.0",
      "1e3",
      "0x1",
      "18446744073709551616",
      "99999999999999999999999",
      "abc",
      "%20 1",
    ]) {
      const res = await call(app, "PUT", `/v1/tenants/1/entries/${id}`, { json: entryJson("1") });
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe("invalid_id");
      expect(error.message).toContain("entry id");
    }
    const badTenant = await call(app, "PUT", "/v1/tenants/1x/entries/1", { json: entryJson("1") });
    expect(badTenant.status).toBe(400);
    expect((await errorOf(badTenant)).message).toContain("tenant");
  });

  test("400 for bad JSON bodies: malformed, wrong types, numbers for u64, overflow, unknown fields, bad base64", async () => {
    const { app } = testApp();
    const bodies: [string, string][] = [
      ["{", "Malformed JSON"],
      ["[]", "invalid body"],
      ['"x"', "invalid body"],
      [JSON.stringify(entryJson("1", "x", { contextHash: 7 })), "contextHash"],
      [JSON.stringify(entryJson("1", "x", { contextHash: "18446744073709551616" })), "2^64-1"],
      [JSON.stringify(entryJson("1", "x", { timestamp: "9223372036854775808" })), "timestamp"],
      [JSON.stringify(entryJson("1", "x", { colour: "red" })), "colour"],
      [JSON.stringify(entryJson("1", "x", { payloadBlob: "!!!" })), "payload"],
      [JSON.stringify(entryJson("1", "x", { tenantId: "-1" })), "tenantId"],
    ];
    for (const [body, fragment] of bodies) {
      const res = await call(app, "PUT", PATH, { body, headers: { "Content-Type": "application/json" } });
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toMatch(/^(invalid_body|bad_request)$/);
      expect(error.message.toLowerCase()).toContain(fragment.toLowerCase());
    }
  });

  test("400 for a malformed protobuf body", async () => {
    const { app } = testApp();
    const res = await call(app, "PUT", PATH, {
      body: new Uint8Array([0x09, 1, 2]), // fixed64 tenant_id cut short
      headers: { "Content-Type": "application/x-protobuf" },
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("invalid_body");
  });

  test("422 when the body's tenant differs from the path's", async () => {
    const { app, store } = testApp();
    const json = await call(app, "PUT", PATH, { json: entryJson("2") });
    expect(json.status).toBe(422);
    const error = await errorOf(json);
    expect(error.code).toBe("tenant_mismatch");
    expect(error.message).toContain("2");
    const snake = await call(app, "PUT", PATH, { json: { tenant_id: "3", payloadBlob: "" } });
    expect(snake.status).toBe(422);
    const proto = await call(app, "PUT", PATH, {
      body: protobufEntry(0n),
      headers: { "Content-Type": "application/x-protobuf" },
    });
    expect(proto.status).toBe(422);
    expect((await errorOf(proto)).message).toContain("must set tenant_id");
    expect(await store.exists(42n, 1n)).toBe(false);
  });

  test("415 for a missing or other Content-Type, before the body is read", async () => {
    const { app } = testApp();
    for (const headers of [{}, { "Content-Type": "text/plain" }, { "Content-Type": "application/jsonx" }]) {
      const res = await call(app, "PUT", PATH, { body: JSON.stringify(entryJson("1")), headers });
      expect(res.status).toBe(415);
      const error = await errorOf(res);
      expect(error.code).toBe("unsupported_media_type");
      expect(error.message).toContain("application/x-protobuf");
    }
    const empty = await call(app, "PUT", PATH);
    expect(empty.status).toBe(415);
  });

  test("413 for a body over the limit, JSON or protobuf", async () => {
    const { app, store } = testApp({ maxBodyBytes: 1024 });
    const big = await call(app, "PUT", PATH, { json: entryJson("1", "x".repeat(2000)) });
    expect(big.status).toBe(413);
    const error = await errorOf(big);
    expect(error.code).toBe("payload_too_large");
    expect(error.message).toContain("1024");
    const proto = await call(app, "PUT", PATH, {
      body: protobufEntry(1n, "y".repeat(2000)),
      headers: { "Content-Type": "application/x-protobuf" },
    });
    expect(proto.status).toBe(413);
    const small = await call(app, "PUT", PATH, { json: entryJson("1", "x".repeat(100)) });
    expect(small.status).toBe(201);
    expect(await store.exists(42n, 1n)).toBe(true);
  });
});

describe("GET /v1/tenants/{tenant}/entries/{id}", () => {
  test("JSON by default (protobuf JSON mapping, every field present)", async () => {
    const { app } = testApp();
    await call(app, "PUT", PATH, { json: entryJson("1", "hello") });
    for (const accept of [
      undefined,
      "*/*",
      "application/json",
      "text/html",
      "application/json, application/x-protobuf",
    ]) {
      const res = await call(app, "GET", PATH, accept === undefined ? {} : { headers: { Accept: accept } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("application/json");
      expect(await res.json()).toEqual({
        tenantId: "1",
        contextHash: "7",
        timestamp: "1700000000",
        embedding: "AQIDBA==",
        payloadBlob: "aGVsbG8=",
        expiresAt: "0",
      });
    }
  });

  test("protobuf when Accept prefers it", async () => {
    const { app } = testApp();
    await call(app, "PUT", PATH, { json: entryJson("1", "hello") });
    for (const accept of [
      "application/x-protobuf",
      "application/protobuf",
      "application/json;q=0.5, application/x-protobuf",
      "application/*;q=0.1, application/x-protobuf;q=0.9",
    ]) {
      const res = await call(app, "GET", PATH, { headers: { Accept: accept } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/(x-)?protobuf$/);
      expect(res.headers.get("vary")).toBe("Accept");
      const entry = decodeEntryBody(new Uint8Array(await res.arrayBuffer()));
      expect(entry.tenantId).toBe(1n);
      expect(new TextDecoder().decode(entry.payloadBlob)).toBe("hello");
    }
  });

  test("a protobuf round trip keeps every field", async () => {
    const { app } = testApp();
    const sent = encodeEntryBody({
      tenantId: 1n,
      contextHash: U64_MAX,
      timestamp: -1n,
      embedding: new Uint8Array([1, 2]),
      payloadBlob: new Uint8Array([0, 255]),
    }) as Uint8Array<ArrayBuffer>;
    await call(app, "PUT", PATH, { body: sent, headers: { "Content-Type": "application/x-protobuf" } });
    const res = await call(app, "GET", PATH, { headers: { Accept: "application/x-protobuf" } });
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(sent);
  });

  test("404 for a missing entry and a missing tenant", async () => {
    const { app } = testApp();
    for (const path of [PATH, "/v1/tenants/9/entries/1"]) {
      const res = await call(app, "GET", path);
      expect(res.status).toBe(404);
      const error = await errorOf(res);
      expect(error.code).toBe("not_found");
    }
  });

  test("400 for a malformed id", async () => {
    const { app } = testApp();
    const res = await call(app, "GET", "/v1/tenants/1/entries/-0");
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("invalid_id");
  });

  test("500 data_corrupted for a corrupt entry file, without paths or stack", async () => {
    const { app, store } = testApp();
    await call(app, "PUT", PATH, { json: entryJson("1", "hello") });
    const dir = join(store.storagePath, "1");
    const file = join(dir, readdirSync(dir)[0] as string);
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    writeFileSync(file, bytes);
    for (const path of [PATH, `${PATH}/payload`]) {
      const res = await call(app, "GET", path);
      expect(res.status).toBe(500);
      const error = await errorOf(res);
      expect(error.code).toBe("data_corrupted");
      expect(error.message).not.toContain(store.storagePath);
    }
  });
});

describe("HEAD /v1/tenants/{tenant}/entries/{id}", () => {
  test("200 when it exists, 404 when not, 400 for a bad id, never a body", async () => {
    const { app } = testApp();
    await call(app, "PUT", PATH, { json: entryJson("1") });
    const there = await call(app, "HEAD", PATH);
    expect(there.status).toBe(200);
    expect(await there.text()).toBe("");
    const missing = await call(app, "HEAD", "/v1/tenants/1/entries/43");
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe("");
    expect((await call(app, "HEAD", "/v1/tenants/1/entries/x")).status).toBe(400);
  });
});

describe("DELETE /v1/tenants/{tenant}/entries/{id}", () => {
  test("204, then 404", async () => {
    const { app, store } = testApp();
    await call(app, "PUT", PATH, { json: entryJson("1") });
    const res = await call(app, "DELETE", PATH);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect(await store.exists(42n, 1n)).toBe(false);
    const again = await call(app, "DELETE", PATH);
    expect(again.status).toBe(404);
    expect((await errorOf(again)).code).toBe("not_found");
    expect((await call(app, "DELETE", "/v1/tenants/1/entries/1.5")).status).toBe(400);
  });
});

describe("PUT without a timestamp", () => {
  test("JSON without it and protobuf with field 3 unset both store the time of the write", async () => {
    const { app, store } = testApp();
    const before = BigInt(Math.floor(Date.now() / 1000));
    expect((await call(app, "PUT", "/v1/tenants/1/entries/1", { json: { payloadBlob: "" } })).status).toBe(201);
    const body = encodeEntryBody({
      tenantId: 1n,
      contextHash: 0n,
      timestamp: 0n,
      embedding: new Uint8Array(0),
      payloadBlob: new Uint8Array(1),
    });
    const res = await app.request("/v1/tenants/1/entries/2", {
      method: "PUT",
      headers: { "Content-Type": "application/x-protobuf" },
      body,
    });
    expect(res.status).toBe(201);
    const after = BigInt(Math.floor(Date.now() / 1000));
    for (const id of [1n, 2n]) {
      const handle = await store.load(id, 1n);
      expect(handle.timestamp >= before && handle.timestamp <= after).toBe(true);
      handle.release();
    }
  });

  test("an explicit JSON timestamp of 0 is kept (JSON tells 0 from absent)", async () => {
    const { app, store } = testApp();
    const put = await call(app, "PUT", "/v1/tenants/1/entries/3", { json: { timestamp: "0", payloadBlob: "" } });
    expect(put.status).toBe(201);
    const handle = await store.load(3n, 1n);
    expect(handle.timestamp).toBe(0n);
    handle.release();
  });
});

describe("batch-get with another content type", () => {
  test("415 names the accepted type", async () => {
    const { app } = testApp();
    const res = await app.request("/v1/tenants/1/entries/batch-get", {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: '{"ids":["1"]}',
    });
    expect(res.status).toBe(415);
    expect((await errorOf(res)).message).toBe(
      'Content-Type must be application/json (a reflex.v1.BatchGetRequest in the JSON mapping), got "text/plain"',
    );
  });
});
