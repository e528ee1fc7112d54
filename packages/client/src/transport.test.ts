import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { API_ERROR_CODES, API_ERRORS, apiErrorStatus } from "@reflex/codec";
import { startTestServer, type TestServer, TOKENS } from "../test/real-server.ts";
import { isReflexClientError, type ReflexClientError } from "./client-error.ts";
import { ReflexClient } from "./reflex-client.ts";
import { errorOf } from "./transport.ts";

const servers: Bun.Server<undefined>[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop(true);
});

/** A loopback server answering 503 (the API's error body) `failures` times, then `ok`. */
function flaky(failures: number, ok: () => Response) {
  const seen = { requests: 0 };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch() {
      seen.requests++;
      if (seen.requests <= failures) {
        return Response.json({ error: { code: "storage_unavailable", message: "try later" } }, { status: 503 });
      }
      return ok();
    },
  });
  servers.push(server);
  return { url: server.url.origin, seen };
}

async function rejection(promise: Promise<unknown>): Promise<ReflexClientError> {
  try {
    await promise;
  } catch (error) {
    if (isReflexClientError(error)) return error;
    throw error;
  }
  throw new Error("expected a ReflexClientError");
}

test("an idempotent call is retried after 503s and succeeds", async () => {
  const { url, seen } = flaky(2, () => Response.json({ status: "ok" }));
  const client = new ReflexClient({ baseUrl: url, retries: 2, backoffMs: 5 });
  expect(await client.healthz()).toEqual({ status: "ok" });
  expect(seen.requests).toBe(3);
});

test("retries are bounded: past them the 503 is the error", async () => {
  const { url, seen } = flaky(10, () => Response.json({ status: "ok" }));
  const error = await rejection(new ReflexClient({ baseUrl: url, retries: 2, backoffMs: 5 }).healthz());
  expect([error.status, error.code, error.message]).toEqual([503, "storage_unavailable", "try later"]);
  expect(seen.requests).toBe(3);
});

test("a call that is not idempotent (touch) is sent once", async () => {
  const { url, seen } = flaky(2, () => Response.json({ tenant: "1", id: "1", expiresAt: "0" }));
  const error = await rejection(new ReflexClient({ baseUrl: url, retries: 2, backoffMs: 5 }).touch(1n, 1n, 0));
  expect(error.status).toBe(503);
  expect(seen.requests).toBe(1);
});

test("a refused connection is retried, then a network_error", async () => {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const url = server.url.origin;
  await server.stop(true); // nothing listens on the port now
  let attempts = 0;
  const counting = (request: Request) => {
    attempts++;
    return fetch(request);
  };
  const error = await rejection(
    new ReflexClient({ baseUrl: url, retries: 2, backoffMs: 5, fetch: counting }).healthz(),
  );
  expect([error.status, error.code]).toEqual([0, "network_error"]);
  expect(attempts).toBe(3);
});

test("a call with no answer within timeoutMs is a timeout error", async () => {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch() {
      await Bun.sleep(2000);
      return Response.json({ status: "ok" });
    },
  });
  servers.push(server);
  const error = await rejection(new ReflexClient({ baseUrl: server.url.origin, timeoutMs: 100 }).healthz());
  expect([error.status, error.code]).toEqual([0, "timeout"]);
});

test("a non-API error body is bad_response with its status; the bearer token is sent", async () => {
  let authorization: string | null = null;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      authorization = request.headers.get("authorization");
      return new Response("teapot", { status: 418 });
    },
  });
  servers.push(server);
  const error = await rejection(new ReflexClient({ baseUrl: server.url.origin, token: "secret-token" }).stats());
  expect([error.status, error.code]).toEqual([418, "bad_response"]);
  expect(authorization as string | null).toBe("Bearer secret-token");
});

describe("an https server with a self-signed certificate", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ tokens: true, tls: true });
  });
  afterAll(async () => {
    await server.stop();
  });

  test("with its certificate as tls.ca: a put/get round trip, the token still required", async () => {
    expect(server.url).toStartWith("https://127.0.0.1:");
    const ca = server.ca ?? "";
    const client = new ReflexClient({ baseUrl: server.url, token: TOKENS.tenant1, tls: { ca } });
    expect(await client.healthz()).toEqual({ status: "ok" });
    expect((await client.put(1n, 7n, { payloadBlob: new TextEncoder().encode("secret") })).created).toBe(true);
    const entry = await client.get(1n, 7n);
    expect(new TextDecoder().decode(entry?.payloadBlob)).toBe("secret");
    const anonymous = new ReflexClient({ baseUrl: server.url, tls: { ca: [new TextEncoder().encode(ca)] } });
    expect((await rejection(anonymous.get(1n, 7n))).code).toBe("unauthorized");
  });

  test("without it the certificate is refused: a network_error caused by the TLS check", async () => {
    const client = new ReflexClient({ baseUrl: server.url, token: TOKENS.tenant1, retries: 0 });
    const error = await rejection(client.healthz());
    expect(error.code).toBe("network_error");
    expect((error.cause as { code?: string }).code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
  });

  test("a refused certificate is not retried: asking again gets the same answer", async () => {
    let attempts = 0;
    const counting = (request: Request) => {
      attempts++;
      return fetch(request);
    };
    const client = new ReflexClient({ baseUrl: server.url, retries: 3, fetch: counting });
    const error = await rejection(client.healthz());
    expect([error.code, (error.cause as { code?: string }).code]).toEqual([
      "network_error",
      "DEPTH_ZERO_SELF_SIGNED_CERT",
    ]);
    expect(attempts).toBe(1);
  });

  test("tls and a custom fetch together are refused at construction", () => {
    expect(
      () => new ReflexClient({ baseUrl: server.url, tls: { ca: "x" }, fetch: (request) => fetch(request) }),
    ).toThrow("give tls or fetch, not both");
  });
});

test("every code the server answers with is known to the client, with its status", async () => {
  for (const code of API_ERROR_CODES) {
    const status = apiErrorStatus(code);
    const error = await errorOf(Response.json({ error: { code, message: `a ${code}` } }, { status }));
    expect([error.code, error.status, error.message]).toEqual([code, status, `a ${code}`]);
  }
  const unknown = await errorOf(Response.json({ error: { code: "new_code", message: "?" } }, { status: 409 }));
  expect([unknown.code, unknown.status]).toEqual(["bad_response", 409]);
});

test("a body-less error answer (HEAD) gets the code that stands for its status", async () => {
  for (const code of API_ERROR_CODES.filter((c) => "bare" in API_ERRORS[c])) {
    const status = apiErrorStatus(code);
    const error = await errorOf(new Response(null, { status }));
    expect([error.code, error.status, error.message]).toEqual([code, status, `HTTP ${status}`]);
  }
  expect((await errorOf(new Response(null, { status: 502 }))).code).toBe("bad_response");
});
