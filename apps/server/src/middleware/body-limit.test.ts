import { afterEach, describe, expect, test } from "bun:test";
import { encodeEntryBody, entryToJson } from "@reflex/codec";
import { call, entryJson, errorOf, removeTestDirs, testApp } from "../../test/helpers.ts";
import { ApiError } from "../errors.ts";
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_PAYLOAD_BYTES, readBodyLimited } from "./body-limit.ts";

afterEach(removeTestDirs);

/** A streamed body of `chunks` chunks of `size` bytes; counts how many were pulled. */
function countingStream(chunks: number, size: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks) {
        controller.close();
        return;
      }
      pulled++;
      controller.enqueue(new Uint8Array(size).fill(pulled));
    },
  });
  return { stream, pulled: () => pulled };
}

function streamedRequest(stream: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Request {
  return new Request("http://localhost/", { method: "PUT", body: stream, headers, duplex: "half" } as RequestInit);
}

async function limitError(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error("expected a rejection");
}

describe("readBodyLimited", () => {
  test("reads a streamed body under the limit whole, in an exactly sized buffer", async () => {
    const { stream } = countingStream(5, 1000);
    const bytes = await readBodyLimited(streamedRequest(stream), 5000);
    expect(bytes.byteLength).toBe(5000);
    expect(new Uint8Array(bytes)[4999]).toBe(5);
  });

  test("stops reading a streamed body as soon as it passes the limit", async () => {
    const { stream, pulled } = countingStream(100, 1000);
    const error = await limitError(readBodyLimited(streamedRequest(stream), 2500));
    expect(error.status).toBe(413);
    expect(error.code).toBe("payload_too_large");
    expect(pulled()).toBeLessThan(10);
  });

  test("refuses from Content-Length alone, before reading", async () => {
    const { stream, pulled } = countingStream(100, 1000);
    const error = await limitError(readBodyLimited(streamedRequest(stream, { "Content-Length": "100000" }), 2500));
    expect(error.status).toBe(413);
    expect(pulled()).toBeLessThanOrEqual(1);
  });

  test("a Content-Length that lies low does not get past the limit", async () => {
    const { stream } = countingStream(10, 1000);
    const error = await limitError(readBodyLimited(streamedRequest(stream, { "Content-Length": "10" }), 2500));
    expect(error.status).toBe(413);
  });

  test("400 for a malformed Content-Length", async () => {
    const request = new Request("http://localhost/", { method: "PUT", body: "x", headers: { "Content-Length": "1x" } });
    const error = await limitError(readBodyLimited(request, 10));
    expect(error.status).toBe(400);
  });

  test("no body is an empty buffer", async () => {
    expect((await readBodyLimited(new Request("http://localhost/", { method: "PUT" }), 10)).byteLength).toBe(0);
  });
});

describe("the PUT route's limit", () => {
  test("413 for a streamed (chunked) body over the limit, in the error shape", async () => {
    const { app, store } = testApp({ maxBodyBytes: 4096 });
    const { stream } = countingStream(100, 1000);
    const res = await app.request("/v1/tenants/1/entries/1", {
      method: "PUT",
      body: stream,
      headers: { "Content-Type": "application/json" },
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("payload_too_large");
    expect(await store.exists(1n, 1n)).toBe(false);
  });

  test("a streamed body under the limit is stored", async () => {
    const { app, store } = testApp({ maxBodyBytes: 4096 });
    const json = new TextEncoder().encode(JSON.stringify(entryJson("1", "streamed")));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(json.subarray(0, 10));
        controller.enqueue(json.subarray(10));
        controller.close();
      },
    });
    const res = await app.request("/v1/tenants/1/entries/1", {
      method: "PUT",
      body: stream,
      headers: { "Content-Type": "application/json" },
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(201);
    const handle = await store.load(1n, 1n);
    expect(new TextDecoder().decode(handle.payloadBlob)).toBe("streamed");
    handle.release();
  });

  test("the default limit is 24 MiB", async () => {
    const { app } = testApp();
    const res = await call(app, "PUT", "/v1/tenants/1/entries/1", {
      body: "x",
      headers: { "Content-Type": "application/json", "Content-Length": String(24 * 1024 * 1024 + 1) },
    });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).message).toContain(String(DEFAULT_MAX_BODY_BYTES));
  });

  test("a 16 MiB payload with a 1536-dim f16 embedding can be PUT as protobuf and as JSON at the defaults", async () => {
    const { app, store } = testApp();
    const payload = new Uint8Array(DEFAULT_MAX_PAYLOAD_BYTES).fill(7);
    const entry = {
      tenantId: 1n,
      contextHash: 2n,
      timestamp: 3n,
      embedding: new Uint8Array(3072).fill(1),
      payloadBlob: payload,
    };
    const protobuf = await call(app, "PUT", "/v1/tenants/1/entries/1", {
      body: encodeEntryBody(entry) as Uint8Array<ArrayBuffer>,
      headers: { "Content-Type": "application/x-protobuf" },
    });
    expect(protobuf.status).toBe(201);
    const json = await call(app, "PUT", "/v1/tenants/1/entries/2", { json: entryToJson(entry) });
    expect(json.status).toBe(201);
    for (const id of [1n, 2n]) {
      const handle = await store.load(id, 1n);
      expect(handle.payloadBlob.byteLength).toBe(DEFAULT_MAX_PAYLOAD_BYTES);
      handle.release();
    }
  });

  test("the largest JSON payload at the default limit is about 18 MiB: 3 bytes more is 413", async () => {
    const { app } = testApp();
    const body = (n: number) => JSON.stringify({ tenantId: "1", payloadBlob: Buffer.alloc(n).toString("base64") });
    const overhead = body(0).length;
    const largest = Math.floor((DEFAULT_MAX_BODY_BYTES - overhead) / 4) * 3;
    expect(largest).toBeGreaterThan(18 * 1024 * 1024 - 64);
    const put = (n: number) =>
      call(app, "PUT", "/v1/tenants/1/entries/1", { body: body(n), headers: { "Content-Type": "application/json" } });
    expect((await put(largest)).status).toBe(201);
    expect((await put(largest + 3)).status).toBe(413);
  });
});
