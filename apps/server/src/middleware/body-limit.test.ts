import { describe, expect, test } from "bun:test";
import { call, entryJson, errorOf, testApp } from "../../test/helpers.ts";
import { ApiError } from "../errors.ts";
import { readBodyLimited } from "./body-limit.ts";

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

  test("the default limit is 16 MiB", async () => {
    const { app } = testApp();
    const res = await call(app, "PUT", "/v1/tenants/1/entries/1", {
      body: "x",
      headers: { "Content-Type": "application/json", "Content-Length": String(16 * 1024 * 1024 + 1) },
    });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).message).toContain("16777216");
  });
});
